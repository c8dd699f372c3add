#include "engine/patron.h"

namespace patrond {
namespace {
constexpr std::array<PatronFieldInfo, kPatronFieldCount> kFields{{
    {"district_id", 64},
    {"barcode", 64},
    {"username", 128},
    {"password", 255},
    {"first_name", 100},
    {"middle_name", 100},
    {"last_name", 100},
    {"site", 32},
    {"patron_type", 64},
    {"access_level", 64},
    {"persona", 16},
    {"grade", 16},
    {"grad_year", 4},
    {"homeroom", 100},
    {"homeroom_teacher_email", 255},
    {"homeroom_teacher_name", 200},
    {"birthdate", 10},
    {"gender", 32},
    {"email", 255},
    {"email2", 255},
    {"phone", 64},
    {"nickname", 100},
    {"card_expires", 10},
    {"user_1", 255},
    {"user_2", 255},
    {"user_3", 255},
    {"user_4", 255},
    {"user_5", 255},
}};
}  // namespace

const PatronFieldInfo& fieldInfo(PatronField f) {
  return kFields[index(f)];
}

std::optional<PatronField> fieldByName(std::string_view name) {
  for (size_t i = 0; i < kFields.size(); ++i) {
    if (kFields[i].name == name) {
      return static_cast<PatronField>(i);
    }
  }
  return std::nullopt;
}

std::string_view statusName(PatronStatus s) {
  return s == PatronStatus::kActive ? "active" : "inactive";
}

}  // namespace patrond
