// reports/svg.hpp — small SVG charts for the suite report (reports/html.hpp), generated in C++ with
// no JavaScript library: line charts (series with markers, dash patterns, optional confidence
// bands or interval bars, horizontal reference lines), bar charts with interval whiskers, and
// histograms on a numeric axis.
//
// Every chart has a title, axis labels with units, tick labels and a legend; series differ by
// marker shape and dash pattern as well as by colour, so a chart reads in black and white.
// Axes may be logarithmic (base 10); non-finite points and, on a log axis, non-positive values are
// skipped. The output is one <svg> element (UTF-8 text, XML-escaped), deterministic for equal input.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace estcheck::svg {

struct Series {
  std::string name;
  std::vector<double> x, y;
  /// Optional band (same length as x): drawn as a shaded area between lower and upper.
  std::vector<double> lower, upper;
  bool line = true;     ///< join the points
  bool markers = true;  ///< draw a marker at each point
  /// Optional interval bars (same length as x): a vertical whisker from bar_lower to bar_upper at
  /// each point. On a log axis a bar_lower <= 0 is drawn from the bottom of the plot.
  std::vector<double> bar_lower, bar_upper;
};

struct HLine {
  std::string name;  ///< shown in the legend
  double y = 0.0;
};

struct LineChart {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;
  std::vector<Series> series;
  std::vector<HLine> hlines;  ///< reference values (e.g. the exact gradient), drawn dashed
};

struct Bar {
  std::string label;
  double value = 0.0;
  std::optional<double> lower, upper;  ///< interval whiskers
};

struct BarChart {
  std::string title, y_label;
  bool log_y = false;
  std::vector<Bar> bars;
  std::vector<HLine> hlines;  ///< e.g. the claimed minimum reduction
  std::string legend_bar = "estimate", legend_interval = "interval";
};

/// A histogram: bins of equal width on [lo, hi] with the height of each (a density or a count),
/// hatched bars, and horizontal reference lines (e.g. the density expected under a model).
struct Histogram {
  std::string title, x_label, y_label;
  double lo = 0.0, hi = 1.0;
  std::vector<double> heights;  ///< one per bin
  std::vector<HLine> hlines;
  std::string legend_bar = "observed";
};

/// The chart as one <svg> element, `width` × `height` pixels.
std::string render(const LineChart& chart, int width = 600, int height = 340);
std::string render(const BarChart& chart, int width = 600, int height = 340);
std::string render(const Histogram& chart, int width = 600, int height = 340);

/// `text` with &, <, >, " and ' escaped (for XML and HTML).
std::string escape(const std::string& text);

/// Compact text of a number for labels (up to 4 significant digits).
std::string short_number(double value);

}  // namespace estcheck::svg
