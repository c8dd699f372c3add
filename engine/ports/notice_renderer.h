#pragma once
// Port: turns one notice message into its subject, plain-text and HTML parts (templates).
// Any thread may call a renderer it owns.

#include <string>

#include "engine/notices.h"
#include "engine/result.h"

namespace patrond {

struct RenderedNotice {
  std::string subject, text, html;
};

class NoticeRenderer {
 public:
  virtual ~NoticeRenderer() = default;
  virtual Result<RenderedNotice> render(const NoticeRun& run, const NoticeMessage& message) = 0;
};

}  // namespace patrond
