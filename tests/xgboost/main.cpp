#define BOOST_TEST_MODULE xgboost
#include <boost/test/unit_test.hpp>
