#include "actors/beta_distribution.hpp"

#include <cmath>

namespace cohort::actors {

namespace {

/// The continued fraction of I_x(a, b), converging for x < (a + 1) / (a + b + 2)
/// (Numerical Recipes, betacf, evaluated by the modified Lentz method).
double continued_fraction(double a, double b, double x) {
  constexpr double tiny = 1e-300;
  constexpr double epsilon = 1e-14;
  const double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1;
  double d = 1 - qab * x / qap;
  if (std::fabs(d) < tiny)
    d = tiny;
  d = 1 / d;
  double h = d;
  // One Lentz step with coefficient aa: the factor it multiplies h by.
  auto step = [&](double aa) {
    d = 1 + aa * d;
    if (std::fabs(d) < tiny)
      d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny)
      c = tiny;
    d = 1 / d;
    return d * c;
  };
  for (int m = 1; m <= 10000; ++m) {
    const double m2 = 2.0 * m;
    h *= step(m * (b - m) * x / ((qam + m2) * (a + m2)));
    const double del = step(-(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)));
    h *= del;
    if (std::fabs(del - 1) < epsilon)
      break;
  }
  return h;
}

} // namespace

double beta_distribution::cdf(double x) const {
  if (x <= 0)
    return 0;
  if (x >= 1)
    return 1;
  const double log_front = std::lgamma(a_ + b_) - std::lgamma(a_) - std::lgamma(b_)
                           + a_ * std::log(x) + b_ * std::log1p(-x);
  const double front = std::exp(log_front);
  if (x < (a_ + 1) / (a_ + b_ + 2))
    return front * continued_fraction(a_, b_, x) / a_;
  return 1 - front * continued_fraction(b_, a_, 1 - x) / b_;
}

double beta_distribution::quantile(double p) const {
  if (p <= 0)
    return 0;
  if (p >= 1)
    return 1;
  double lo = 0, hi = 1;
  for (int i = 0; i < 100 && hi - lo > 1e-12; ++i) {
    const double mid = (lo + hi) / 2;
    if (cdf(mid) < p)
      lo = mid;
    else
      hi = mid;
  }
  return (lo + hi) / 2;
}

} // namespace cohort::actors
