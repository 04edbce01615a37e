// reports/svg.cpp — see svg.hpp.
#include "reports/svg.hpp"

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

namespace estcheck::svg {
namespace {

// Okabe–Ito colours (distinguishable with colour-vision deficiencies); markers and dashes carry
// the distinction in black and white.
const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"};
const char* kDashes[] = {"", "7,4", "2,3", "9,3,2,3", "4,2", "12,4", "1,4", "6,2,1,2"};
constexpr int kStyles = 8;

constexpr double kLeft = 78, kTop = 34, kLegendWidth = 190, kBottom = 52;

std::string num(double v) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << v;
  return s.str();
}

/// "x,y" of an SVG points list.
std::string point(double x, double y) {
  std::string p = num(x);
  p += ',';
  p += num(y);
  return p;
}

struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  double p0 = 0, p1 = 1;  // pixel positions of lo and hi
  double map(double v) const {
    const double t = log ? (std::log10(v) - lo) / (hi - lo) : (v - lo) / (hi - lo);
    return p0 + t * (p1 - p0);
  }
  bool usable(double v) const { return std::isfinite(v) && (!log || v > 0); }
};

/// Axis range over `values` (log10 units on a log axis), padded.
Axis make_axis(const std::vector<double>& values, bool log, double pad_fraction) {
  Axis a;
  a.log = log;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values) {
    if (!std::isfinite(v) || (log && v <= 0)) continue;
    const double t = log ? std::log10(v) : v;
    lo = std::min(lo, t);
    hi = std::max(hi, t);
  }
  if (!(lo <= hi)) lo = 0, hi = 1;
  if (hi - lo <= 0) {
    const double w = log ? 0.5 : (lo == 0 ? 1.0 : 0.1 * std::abs(lo));
    lo -= w;
    hi += w;
  }
  const double pad = (hi - lo) * pad_fraction;
  a.lo = lo - pad;
  a.hi = hi + pad;
  return a;
}

/// Tick values (in data units) for an axis.
std::vector<double> ticks(const Axis& a) {
  std::vector<double> t;
  if (a.log) {
    for (double k = std::ceil(a.lo); k <= std::floor(a.hi) + 1e-9; ++k) t.push_back(std::pow(10.0, k));
    if (t.size() > 8) {  // thin out to at most 8 decades
      std::vector<double> thin;
      const std::size_t step = (t.size() + 7) / 8;
      for (std::size_t i = 0; i < t.size(); i += step) thin.push_back(t[i]);
      t = thin;
    }
    if (t.size() < 2) {  // less than two decades in view: 1, 2, 5 times the powers of ten
      t.clear();
      for (double k = std::floor(a.lo); k <= std::ceil(a.hi); ++k)
        for (double m : {1.0, 2.0, 5.0}) {
          const double v = m * std::pow(10.0, k);
          if (std::log10(v) >= a.lo && std::log10(v) <= a.hi) t.push_back(v);
        }
      if (t.size() >= 2) return t;
    }
    if (t.size() < 2) {  // still fewer than two: label points inside the ends
      t.clear();
      for (int i = 0; i <= 3; ++i) t.push_back(std::pow(10.0, a.lo + (a.hi - a.lo) * (0.1 + 0.8 * i / 3.0)));
    }
    return t;
  }
  const double range = a.hi - a.lo;
  const double raw = range / 5.0;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  for (double v = std::ceil(a.lo / step) * step; v <= a.hi + 1e-12 * range; v += step)
    t.push_back(std::abs(v) < 1e-12 * range ? 0.0 : v);
  return t;
}

std::string marker(int style, double x, double y, const char* colour) {
  std::ostringstream s;
  const double r = 3.6;
  switch (style % 6) {
    case 0: s << "<circle cx='" << num(x) << "' cy='" << num(y) << "' r='" << r << "' fill='" << colour << "'/>"; break;
    case 1:
      s << "<rect x='" << num(x - r) << "' y='" << num(y - r) << "' width='" << 2 * r << "' height='" << 2 * r
        << "' fill='white' stroke='" << colour << "' stroke-width='1.5'/>";
      break;
    case 2:
      s << "<path d='M" << num(x) << "," << num(y - r - 1) << " L" << num(x + r + 1) << "," << num(y + r) << " L"
        << num(x - r - 1) << "," << num(y + r) << " Z' fill='" << colour << "'/>";
      break;
    case 3:
      s << "<path d='M" << num(x) << "," << num(y - r - 1) << " L" << num(x + r + 1) << "," << num(y) << " L" << num(x)
        << "," << num(y + r + 1) << " L" << num(x - r - 1) << "," << num(y) << " Z' fill='white' stroke='" << colour
        << "' stroke-width='1.5'/>";
      break;
    case 4:
      s << "<path d='M" << num(x - r) << "," << num(y - r) << " L" << num(x + r) << "," << num(y + r) << " M"
        << num(x - r) << "," << num(y + r) << " L" << num(x + r) << "," << num(y - r) << "' stroke='" << colour
        << "' stroke-width='1.8'/>";
      break;
    default:
      s << "<path d='M" << num(x - r) << "," << num(y) << " L" << num(x + r) << "," << num(y) << " M" << num(x) << ","
        << num(y - r) << " L" << num(x) << "," << num(y + r) << "' stroke='" << colour << "' stroke-width='1.8'/>";
  }
  return s.str();
}

std::string dash_attr(int style) {
  const char* d = kDashes[style % kStyles];
  return *d ? std::string(" stroke-dasharray='") + d + "'" : std::string();
}

std::string truncate(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : s.substr(0, n - 1) + "…";
}

void frame(std::ostringstream& s, int width, int height, const std::string& title, const Axis& x, const Axis& y,
           const std::string& x_label, const std::string& y_label, bool x_ticks) {
  s << "<svg xmlns='http://www.w3.org/2000/svg' class='chart' role='img' width='" << width << "' height='" << height
    << "' viewBox='0 0 " << width << " " << height << "' font-family='sans-serif' font-size='11'>"
    << "<title>" << escape(title) << "</title>"
    << "<rect x='0' y='0' width='" << width << "' height='" << height << "' fill='white'/>"
    << "<text x='" << num(kLeft) << "' y='18' font-size='13' font-weight='bold'>" << escape(truncate(title, 80))
    << "</text>";
  const double px0 = x.p0, px1 = x.p1, py0 = y.p0, py1 = y.p1;
  s << "<rect x='" << num(px0) << "' y='" << num(py1) << "' width='" << num(px1 - px0) << "' height='"
    << num(py0 - py1) << "' fill='none' stroke='#444'/>";
  for (double v : ticks(y)) {
    const double py = y.map(v);
    if (py < py1 - 0.5 || py > py0 + 0.5) continue;
    s << "<line x1='" << num(px0) << "' x2='" << num(px1) << "' y1='" << num(py) << "' y2='" << num(py)
      << "' stroke='#ddd'/><text x='" << num(px0 - 5) << "' y='" << num(py + 4) << "' text-anchor='end'>"
      << escape(short_number(v)) << "</text>";
  }
  if (x_ticks)
    for (double v : ticks(x)) {
      const double px = x.map(v);
      if (px < px0 - 0.5 || px > px1 + 0.5) continue;
      s << "<line x1='" << num(px) << "' x2='" << num(px) << "' y1='" << num(py0) << "' y2='" << num(py1)
        << "' stroke='#eee'/><text x='" << num(px) << "' y='" << num(py0 + 15) << "' text-anchor='middle'>"
        << escape(short_number(v)) << "</text>";
    }
  s << "<text x='" << num((px0 + px1) / 2) << "' y='" << num(height - 10.0) << "' text-anchor='middle'>"
    << escape(x_label) << "</text>";
  s << "<text transform='translate(14," << num((py0 + py1) / 2) << ") rotate(-90)' text-anchor='middle'>"
    << escape(y_label) << "</text>";
}

struct LegendEntry {
  std::string name;
  int style;
  bool line, markers, band, dashed_grey;
  bool black_solid = false;  ///< the interval whiskers of a bar chart
  bool hatched = false;      ///< the bars of a bar chart
};

void legend(std::ostringstream& s, int width, const std::vector<LegendEntry>& entries,
            const std::string& hatch = "") {
  double y = kTop + 10;
  const double x = width - kLegendWidth + 8;
  s << "<g class='legend'>";
  for (const auto& e : entries) {
    const char* c = e.dashed_grey ? "#555" : e.black_solid ? "black" : kColours[e.style % kStyles];
    if (e.hatched)
      s << "<rect x='" << num(x) << "' y='" << num(y - 6) << "' width='26' height='12' fill='url(#" << hatch << ")' stroke='"
        << c << "'/>";
    else if (e.band)
      s << "<rect x='" << num(x) << "' y='" << num(y - 6) << "' width='26' height='12' fill='" << c
        << "' fill-opacity='0.18' stroke='" << c << "' stroke-opacity='0.4'/>";
    if (e.line)
      s << "<line x1='" << num(x) << "' x2='" << num(x + 26) << "' y1='" << num(y) << "' y2='" << num(y)
        << "' stroke='" << c << "' stroke-width='" << (e.dashed_grey ? "1.3" : "1.8") << "'"
        << (e.dashed_grey ? std::string(" stroke-dasharray='5,4'") : e.black_solid ? std::string() : dash_attr(e.style))
        << "/>";
    if (e.markers) s << marker(e.style, x + 13, y, c);
    s << "<text x='" << num(x + 32) << "' y='" << num(y + 4) << "'>" << escape(truncate(e.name, 26)) << "</text>";
    y += 18;
  }
  s << "</g>";
}

}  // namespace

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string short_number(double v) {
  if (v == 0) return "0";
  std::ostringstream s;
  s << std::setprecision(4) << v;  // %g: 0.0001, 1e+05, 1.235e-05
  return s.str();
}

namespace {

/// Dashed horizontal reference lines (exact values, claims) across the plot, each with a legend entry.
void reference_lines(std::ostringstream& s, const std::vector<HLine>& hlines, const Axis& x, const Axis& y,
                     std::vector<LegendEntry>& entries) {
  for (const auto& h : hlines) {
    if (!y.usable(h.y)) continue;
    const double py = y.map(h.y);
    s << "<line class='reference' x1='" << num(x.p0) << "' x2='" << num(x.p1) << "' y1='" << num(py) << "' y2='"
      << num(py) << "' stroke='#555' stroke-width='1.3' stroke-dasharray='5,4'/>";
    entries.push_back({h.name, 0, true, false, false, true});
  }
}

/// Defines the bars' hatch pattern and returns its id, unique in a page holding many charts:
/// derived from the chart title (FNV-1a).
std::string hatch_pattern(std::ostringstream& s, const std::string& title) {
  std::uint64_t title_hash = 0xcbf29ce484222325ULL;
  for (unsigned char ch : title) title_hash = (title_hash ^ ch) * 0x100000001b3ULL;
  const std::string hatch = "hatch-" + std::to_string(title_hash % 1000000007ULL);
  s << "<defs><pattern id='" << hatch
    << "' width='6' height='6' patternUnits='userSpaceOnUse' patternTransform='rotate(45)'>"
       "<line x1='0' y1='0' x2='0' y2='6' stroke='#0072B2' stroke-width='2'/></pattern></defs>";
  return hatch;
}

}  // namespace

std::string render(const LineChart& c, int width, int height) {
  std::vector<double> xs, ys;
  for (const auto& se : c.series) {
    xs.insert(xs.end(), se.x.begin(), se.x.end());
    ys.insert(ys.end(), se.y.begin(), se.y.end());
    ys.insert(ys.end(), se.lower.begin(), se.lower.end());
    ys.insert(ys.end(), se.upper.begin(), se.upper.end());
    ys.insert(ys.end(), se.bar_lower.begin(), se.bar_lower.end());
    ys.insert(ys.end(), se.bar_upper.begin(), se.bar_upper.end());
  }
  for (const auto& h : c.hlines) ys.push_back(h.y);
  Axis x = make_axis(xs, c.log_x, 0.03), y = make_axis(ys, c.log_y, 0.06);
  x.p0 = kLeft;
  x.p1 = width - kLegendWidth;
  y.p0 = height - kBottom;
  y.p1 = kTop;
  std::ostringstream s;
  frame(s, width, height, c.title, x, y, c.x_label, c.y_label, true);
  s << "<g class='plot'>";
  std::vector<LegendEntry> entries;
  int style = 0;
  for (const auto& se : c.series) {
    const char* colour = kColours[style % kStyles];
    const bool band = !se.lower.empty() && se.lower.size() == se.x.size() && se.upper.size() == se.x.size();
    if (band) {
      std::string top, bottom;
      for (std::size_t i = 0; i < se.x.size(); ++i) {
        if (!x.usable(se.x[i]) || !y.usable(se.lower[i]) || !y.usable(se.upper[i])) continue;
        if (!top.empty()) top += ' ';
        top += point(x.map(se.x[i]), y.map(se.upper[i]));
        bottom.insert(0, point(x.map(se.x[i]), y.map(se.lower[i])) + (bottom.empty() ? "" : " "));
      }
      if (!top.empty())
        s << "<polygon class='band' points='" << top << " " << bottom << "' fill='" << colour
          << "' fill-opacity='0.16' stroke='" << colour << "' stroke-opacity='0.35' stroke-width='0.8'/>";
    }
    std::string pts;
    for (std::size_t i = 0; i < se.x.size() && i < se.y.size(); ++i)
      if (x.usable(se.x[i]) && y.usable(se.y[i]))
      {
        if (!pts.empty()) pts += ' ';
        pts += point(x.map(se.x[i]), y.map(se.y[i]));
      }
    if (se.line && !pts.empty())
      s << "<polyline class='series' points='" << pts << "' fill='none' stroke='" << colour
        << "' stroke-width='1.8'" << dash_attr(style) << "/>";
    const bool bars = se.bar_lower.size() == se.x.size() && se.bar_upper.size() == se.x.size() && !se.x.empty();
    if (bars)
      for (std::size_t i = 0; i < se.x.size(); ++i) {
        if (!x.usable(se.x[i]) || !y.usable(se.bar_upper[i])) continue;
        const double px = x.map(se.x[i]), hi = y.map(se.bar_upper[i]);
        const double lo = y.usable(se.bar_lower[i]) ? y.map(se.bar_lower[i]) : y.p0;
        s << "<path class='interval' d='M" << num(px) << "," << num(lo) << " L" << num(px) << "," << num(hi) << " M"
          << num(px - 6) << "," << num(hi) << " L" << num(px + 6) << "," << num(hi);
        if (y.usable(se.bar_lower[i])) s << " M" << num(px - 6) << "," << num(lo) << " L" << num(px + 6) << "," << num(lo);
        s << "' stroke='" << colour << "' stroke-width='1.5' fill='none'/>";
      }
    if (se.markers)
      for (std::size_t i = 0; i < se.x.size() && i < se.y.size(); ++i)
        if (x.usable(se.x[i]) && y.usable(se.y[i])) s << marker(style, x.map(se.x[i]), y.map(se.y[i]), colour);
    entries.push_back({se.name, style, se.line, se.markers, band, false});
    ++style;
  }
  reference_lines(s, c.hlines, x, y, entries);
  s << "</g>";
  legend(s, width, entries);
  s << "</svg>";
  return s.str();
}

std::string render(const BarChart& c, int width, int height) {
  std::vector<double> ys;
  for (const auto& b : c.bars) {
    ys.push_back(b.value);
    if (b.lower) ys.push_back(*b.lower);
    if (b.upper) ys.push_back(*b.upper);
  }
  for (const auto& h : c.hlines) ys.push_back(h.y);
  if (!c.log_y) ys.push_back(0.0);
  Axis y = make_axis(ys, c.log_y, 0.08);
  Axis x;
  x.lo = 0;
  x.hi = static_cast<double>(std::max<std::size_t>(1, c.bars.size()));
  x.p0 = kLeft;
  x.p1 = width - kLegendWidth;
  y.p0 = height - kBottom;
  y.p1 = kTop;
  std::ostringstream s;
  frame(s, width, height, c.title, x, y, "", c.y_label, false);
  const std::string hatch = hatch_pattern(s, c.title);
  s << "<g class='plot'>";
  const double slot = (x.p1 - x.p0) / x.hi;
  const double base = c.log_y ? y.p0 : y.map(0.0);
  for (std::size_t i = 0; i < c.bars.size(); ++i) {
    const Bar& b = c.bars[i];
    const double cx = x.p0 + slot * (static_cast<double>(i) + 0.5);
    if (y.usable(b.value)) {
      const double py = y.map(b.value);
      s << "<rect class='bar' x='" << num(cx - slot * 0.3) << "' y='" << num(std::min(py, base)) << "' width='"
        << num(slot * 0.6) << "' height='" << num(std::abs(base - py)) << "' fill='url(#" << hatch << ")' stroke='#0072B2'/>";
    }
    if (b.lower && b.upper && y.usable(*b.lower) && y.usable(*b.upper)) {
      const double lo = y.map(*b.lower), hi = y.map(*b.upper);
      s << "<path class='whisker' d='M" << num(cx) << "," << num(lo) << " L" << num(cx) << "," << num(hi) << " M"
        << num(cx - 8) << "," << num(lo) << " L" << num(cx + 8) << "," << num(lo) << " M" << num(cx - 8) << ","
        << num(hi) << " L" << num(cx + 8) << "," << num(hi) << "' stroke='black' stroke-width='1.6' fill='none'/>";
    }
    s << "<text x='" << num(cx) << "' y='" << num(y.p0 + 14) << "' text-anchor='middle'>"
      << escape(truncate(b.label, static_cast<std::size_t>(std::max(6.0, slot / 6.5)))) << "</text>";
  }
  std::vector<LegendEntry> entries{{c.legend_bar, 0, false, false, false, false, false, true},
                                   {c.legend_interval, 6, true, false, false, false, true}};
  reference_lines(s, c.hlines, x, y, entries);
  s << "</g>";
  legend(s, width, entries, hatch);
  s << "</svg>";
  return s.str();
}

std::string render(const Histogram& c, int width, int height) {
  std::vector<double> ys{0.0};
  ys.insert(ys.end(), c.heights.begin(), c.heights.end());
  for (const auto& h : c.hlines) ys.push_back(h.y);
  Axis y = make_axis(ys, false, 0.06);
  y.lo = 0.0;  // bars stand on 0: no padding below it
  Axis x;
  x.lo = c.lo;
  x.hi = c.hi > c.lo ? c.hi : c.lo + 1.0;
  x.p0 = kLeft;
  x.p1 = width - kLegendWidth;
  y.p0 = height - kBottom;
  y.p1 = kTop;
  std::ostringstream s;
  frame(s, width, height, c.title, x, y, c.x_label, c.y_label, true);
  const std::string hatch = hatch_pattern(s, c.title);
  s << "<g class='plot'>";
  const double bins = static_cast<double>(c.heights.size()), base = y.map(0.0);
  for (std::size_t i = 0; i < c.heights.size(); ++i) {
    if (!y.usable(c.heights[i])) continue;
    const double a = x.map(x.lo + (x.hi - x.lo) * static_cast<double>(i) / bins);
    const double b = x.map(x.lo + (x.hi - x.lo) * static_cast<double>(i + 1) / bins);
    const double py = y.map(c.heights[i]);
    s << "<rect class='bar' x='" << num(a) << "' y='" << num(std::min(py, base)) << "' width='" << num(b - a)
      << "' height='" << num(std::abs(base - py)) << "' fill='url(#" << hatch << ")' stroke='#0072B2'/>";
  }
  std::vector<LegendEntry> entries{{c.legend_bar, 0, false, false, false, false, false, true}};
  reference_lines(s, c.hlines, x, y, entries);
  s << "</g>";
  legend(s, width, entries, hatch);
  s << "</svg>";
  return s.str();
}

}  // namespace estcheck::svg
