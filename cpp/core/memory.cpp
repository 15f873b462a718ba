// memory.cpp: the memory budget's refusal message (memory.h), out of line: every check inlines
// only its comparison.
#include "memory.h"

namespace bp {

Status refuse(int64_t held, double need, const std::string& what) {
  MemoryBudget& m = memory();
  ++m.refusals;
  return Error(what + " needs " + mib(need) + ", but " + mib((double)(m.in_use - held)) + " of the " + mib((double)m.budget) +
               " memory budget are in use");
}

}  // namespace bp
