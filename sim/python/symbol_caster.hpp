#pragma once
// rcn::Symbol (an interned word: site, GPU and model names, file paths in
// diagnostics) crosses into Python as a plain str and back. Include it in every
// binding file, before anything that converts a struct holding a Symbol.
#include <pybind11/pybind11.h>

#include "rcn/scenario/symbol.hpp"

namespace pybind11::detail {

template <>
struct type_caster<rcn::Symbol> {
  PYBIND11_TYPE_CASTER(rcn::Symbol, const_name("str"));

  bool load(handle src, bool convert) {
    make_caster<std::string> text;
    if (!text.load(src, convert)) return false;
    value = rcn::Symbol(cast_op<std::string&>(text));
    return true;
  }

  static handle cast(const rcn::Symbol& s, return_value_policy policy, handle parent) {
    return make_caster<std::string>::cast(s.str(), policy, parent);
  }
};

}  // namespace pybind11::detail
