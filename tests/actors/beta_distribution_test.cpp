// The Beta quantiles behind /admin/api/experiments' credible intervals, checked against
// closed forms: I_x(a, 1) = x^a and I_x(1, b) = 1 - (1 - x)^b, and the a <-> b symmetry.
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "actors/beta_distribution.hpp"

using cohort::actors::beta_distribution;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(beta_distribution_math)

BOOST_AUTO_TEST_CASE(closed_forms) {
  for (double x : {0.01, 0.2, 0.5, 0.9, 0.999}) {
    BOOST_TEST(beta_distribution(1, 1).cdf(x) == x, tt::tolerance(1e-10));
    BOOST_TEST(beta_distribution(3, 1).cdf(x) == std::pow(x, 3), tt::tolerance(1e-10));
    BOOST_TEST(beta_distribution(1, 4).cdf(x) == 1 - std::pow(1 - x, 4), tt::tolerance(1e-10));
  }
  BOOST_TEST(beta_distribution(2, 1).quantile(0.025) == std::sqrt(0.025), tt::tolerance(1e-9));
  BOOST_TEST(beta_distribution(1, 1).quantile(0.975) == 0.975, tt::tolerance(1e-9));
  BOOST_TEST(beta_distribution(2, 5).cdf(0) == 0.0);
  BOOST_TEST(beta_distribution(2, 5).cdf(1) == 1.0);
}

// Large counts (where a normal approximation would be tempting) and tiny rates: the
// quantile inverts the cdf, and swapping a and b mirrors it.
BOOST_AUTO_TEST_CASE(quantile_inverts_cdf_for_small_and_large_counts) {
  for (auto [a, b] : {std::pair{1.0, 1000.0}, {11.0, 91.0}, {501.0, 9501.0}, {40001.0, 60001.0}}) {
    const beta_distribution d{a, b};
    const beta_distribution mirrored{b, a};
    for (double p : {0.025, 0.5, 0.975}) {
      const double x = d.quantile(p);
      BOOST_TEST(d.cdf(x) == p, tt::tolerance(1e-7));
      BOOST_TEST(mirrored.quantile(1 - p) == 1 - x, tt::tolerance(1e-7));
    }
    BOOST_TEST(d.quantile(0.025) < d.mean());
    BOOST_TEST(d.quantile(0.975) > d.mean());
  }
  // 10 conversions of 100 impressions: the 95% interval is [0.05564, 0.17455] (numeric
  // integration of the density).
  const beta_distribution ten_percent{11, 91};
  BOOST_TEST(ten_percent.quantile(0.025) == 0.05564, tt::tolerance(1e-3));
  BOOST_TEST(ten_percent.quantile(0.975) == 0.17455, tt::tolerance(1e-3));
}

BOOST_AUTO_TEST_SUITE_END()
