#include "engine/ports/log.h"

namespace patrond::detail {

LogContext& logContext() {
  thread_local LogContext context;
  return context;
}

}  // namespace patrond::detail
