# tests/report_checks.sh — shared setup of the shell tests that check suite reports
# (tests/suite_reports.sh, tests/papers_claims.sh): sourced, never run. `report_checks_init NAME`
# checks ESTCHECK and SOURCE_DIR, the tools the checks need (xmllint, /usr/bin/python3 with
# jsonschema), and makes the scratch folder $work (removed on exit); then `expect NAME COMMAND...`
# counts a check as passed or failed, `validate_json FILE` / `validate_xml FILE` check a report
# against the project's JSON Schema and JUnit XSD (reports/schema/), `json_check FILE EXPR` evaluates
# a Python expression over the report `r`, and `report_checks_done` prints the tally and returns
# non-zero when a check failed.

report_checks_init() {
  checks_name=$1
  for v in ESTCHECK SOURCE_DIR; do
    if [[ -z "${!v:-}" ]]; then
      echo "$checks_name: set $v" >&2
      exit 2
    fi
  done
  PY=/usr/bin/python3
  if ! command -v xmllint >/dev/null || ! "$PY" -c 'import jsonschema' 2>/dev/null; then
    echo "$checks_name: needs xmllint (libxml2-utils) and /usr/bin/python3 with python3-jsonschema: run scripts/setup.sh" >&2
    exit 1
  fi
  schema_json="$SOURCE_DIR/reports/schema/suite-report.schema.json"
  schema_xsd="$SOURCE_DIR/reports/schema/junit.xsd"
  work=$(mktemp -d "${TMPDIR:-/tmp}/estcheck_${checks_name}.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  passed=0
  failed=0
}

ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
expect() {  # expect NAME CONDITION-COMMAND...
  local name=$1
  shift
  if "$@"; then ok "$name"; else bad "$name"; fi
}

validate_json() {
  "$PY" - "$schema_json" "$1" <<'PYEOF'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
jsonschema.Draft7Validator(schema).validate(json.load(open(sys.argv[2])))
PYEOF
}
validate_xml() { xmllint --noout --schema "$schema_xsd" "$1" 2>"$work/xmllint.err"; }
# json_check FILE PYTHON-EXPRESSION: the expression over the report `r` is true.
json_check() { "$PY" -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"; }

report_checks_done() {
  echo "$checks_name: $passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
