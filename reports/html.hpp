// reports/html.hpp — a suite report as one self-contained HTML page (report.html): inline CSS,
// inline SVG charts (reports/svg.hpp) and a few lines of inline JavaScript (no network, no
// library). Per check: a summary row (red with "FAIL" when it fails) and its charts — verify: the
// running mean of each gradient coordinate with its confidence band and the exact value, and the
// bias bound against samples; compare: the variance ratios with intervals per estimator, and the
// variance against θ for a θ grid; bias-curve: the exact bias against the parameter; calibrate: a
// table of the claims per α, the histogram of the null runs' p-values, and the false-rejection
// rate against α (log–log) with its bounds, rate = α and the claim line rate = M·α.
// Checked in headless Chromium by tests/suite_browser.sh.
#pragma once

#include "reports/suite_report.hpp"

#include <string>

namespace estcheck {

std::string to_html(const SuiteReport& report);

}  // namespace estcheck
