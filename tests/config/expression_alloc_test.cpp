// Evaluating a compiled rule allocates nothing: it runs on every event of every session.
// Counts global operator new calls in this binary while rules are evaluated.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "rule_helpers.hpp"

namespace {
std::atomic<long> allocations{0};

void* counted_malloc(std::size_t size) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}

void* counted_new(std::size_t size) {
  if (void* p = counted_malloc(size)) return p;
  throw std::bad_alloc();
}
} // namespace

// Every unaligned form is replaced, so that each pairs with a matching free() (sanitizer
// builds check that); the aligned forms stay the library's, pairing among themselves.
void* operator new(std::size_t size) { return counted_new(size); }
void* operator new[](std::size_t size) { return counted_new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return counted_malloc(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return counted_malloc(size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace cohort::config;
using namespace cohort::config::test;

BOOST_AUTO_TEST_SUITE(expression_evaluation_cost)

BOOST_AUTO_TEST_CASE(evaluation_does_not_allocate) {
  std::vector<window_spec> windows;
  const long at_start = allocations.load();
  const auto rule = must_compile(
      "count('product_view', '5m') >= 3 && wishlist_visits > 0 || "
      "device == 'mobile' && source != \"\" && has_tag('vip') || "
      "-score / (page_depth - 2) + 1 * 2 < 0 && is_mobile == true && !(bounce_rate > 0.6)",
      windows);
  fake_input in;
  in.set_window(0, 5).set(feature::wishlist_visits, 0).set_text(feature::device, "mobile")
      .set_text(feature::source, "google").set(feature::score, 90)
      .set(feature::page_depth, 3).set(feature::is_mobile, 1);
  const long before = allocations.load();
  BOOST_TEST(before > at_start);  // the counter sees allocations: compiling makes some
  bool result = false;
  for (int i = 0; i < 1000; ++i) result = rule->holds(in);
  const long after = allocations.load();
  BOOST_TEST(result);
  BOOST_TEST(in.tag_queries == 1000);  // the middle clause ran to its end
  BOOST_TEST(after - before == 0);
}

BOOST_AUTO_TEST_SUITE_END()
