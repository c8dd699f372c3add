#pragma once
// The configuration's sections (adapters/config internal), one reader each over a Loader;
// each file holds the key tables of its sections:
//   yaml_config.cpp      patrond.yaml's root: district, database, logging, sites, smtp,
//                        homerooms, circulation, conditions; loadConfig()
//   import_keys.cpp      imports[]: source (sftp), options, lifecycle
//   mapping_file.cpp     a job's mapping file: fields, defaults, preserve, rules, matchers
//   schedule_keys.cpp    weekdays, months, times of day, a job's and a notice's schedule
//   service_keys.cpp     notices[], textbook_policies and library_policies, monitoring

#include <string>
#include <vector>

#include "adapters/config/loader.h"
#include "engine/config.h"

namespace patrond::config {

void loadImport(Loader& L, const YAML::Node& n, const std::string& path, ImportJob& j);
void loadMapping(const std::string& file, Mapping& m, std::vector<Diagnostic>& diags,
                 bool oneRoster);
void loadNotice(Loader& L, const YAML::Node& n, const std::string& path, NoticeConfig& c);
void loadPolicyTree(Loader& L, const YAML::Node& n, const std::string& path, PolicyTree& t);
void loadMonitoring(Loader& L, const YAML::Node& m, MonitoringConfig& c);

// Each file's part of the key reference (keyReference(), yaml_config.h).
void describeImportKeys(std::vector<KeyDoc>& out);
void describeMappingKeys(std::vector<KeyDoc>& out);
void describeJobScheduleKeys(std::vector<KeyDoc>& out);     // in describeImportKeys
void describeNoticeScheduleKeys(std::vector<KeyDoc>& out);  // in describeServiceKeys
void describeServiceKeys(std::vector<KeyDoc>& out);

// Calendar words (schedule_keys.cpp).
extern const OneOf<int> kMonths;
void loadTimes(Loader& L, const YAML::Node& n, const std::string& path,
               std::vector<TimeOfDay>& out);
// A weekday (0 = Sunday) by name, or -1 after saying it is none.
int weekdayByName(Loader& L, const YAML::Node& at, const std::string& path,
                  const std::string& name);
void loadJobSchedule(Loader& L, const YAML::Node& s, const std::string& path,
                     std::vector<DaySchedule>& out);
void loadNoticeSchedule(Loader& L, const YAML::Node& s, const std::string& path,
                        NoticeSchedule& ns);

}  // namespace patrond::config
