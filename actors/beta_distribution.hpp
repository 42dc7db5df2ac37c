#pragma once

namespace cohort::actors {

/// Beta(a, b) for the bandit's credible intervals (/admin/api/experiments). Exact to
/// ~1e-10 for any counts: the regularized incomplete beta by its continued fraction
/// (Lentz), inverted by bisection, so no normal approximation is needed even for rates
/// near 0 or 1 or a handful of outcomes.
class beta_distribution {
public:
  /// a, b > 0 (not checked: the bandit's α and β are at least 1).
  beta_distribution(double a, double b) : a_(a), b_(b) {}

  /// P(X <= x), the regularized incomplete beta I_x(a, b); 0 below 0, 1 above 1.
  double cdf(double x) const;

  /// The x with cdf(x) = p, for p in [0, 1].
  double quantile(double p) const;

  double mean() const { return a_ / (a_ + b_); }

private:
  double a_;
  double b_;
};

} // namespace cohort::actors
