// verify/oracles/certificate.cpp — see certificate.hpp.
#include "verify/oracles/certificate.hpp"

namespace estcheck {

const char* to_string(Certainty c) {
  switch (c) {
    case Certainty::certified: return "certified";
    case Certainty::estimated: return "estimated";
    case Certainty::unknown: return "unknown";
  }
  return "?";
}

std::string describe(const Certificate& c) {
  return c.note.empty() ? std::string(to_string(c.certainty)) : std::string(to_string(c.certainty)) + " (" + c.note + ")";
}

}  // namespace estcheck
