// Windows only: the service's virtual account SID, and the rights the installer gives it on
// the data folder (read back from the folder's ACL).
#include <windows.h>
// after windows.h
#include <aclapi.h>
#include <gtest/gtest.h>
#include <sddl.h>

#include <filesystem>
#include <string>

#include "adapters/os/wide.h"
#include "windows-service/win_service.h"

namespace {

// Known SIDs: TrustedInstaller's is printed by `sc showsid TrustedInstaller` on every Windows.
TEST(ServiceSid, MatchesWindowsForKnownServices) {
  EXPECT_EQ(patrond::winsvc::serviceSid("TrustedInstaller"),
            "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464");
  // The name is upper-cased first: any spelling gives the same account.
  EXPECT_EQ(patrond::winsvc::serviceSid("trustedinstaller"),
            patrond::winsvc::serviceSid("TRUSTEDINSTALLER"));
  EXPECT_EQ(patrond::winsvc::serviceSid("patrond"),
            "S-1-5-80-417921451-383450207-3320257367-3853424918-3275594610");
}

}  // namespace
