// The crypto adapter: PBKDF2 hashes verify, are salted, and fingerprints are keyed.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "adapters/crypto/password_hasher.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

TEST(PasswordHasher, SaltedPbkdf2ThatVerifies) {
  test::TempDir dir;
  auto h = crypto::openHasher(dir / "patrond.key");
  ASSERT_TRUE(h.ok()) << h.error().describe();
  std::string a = (*h)->hash("correct horse");
  std::string b = (*h)->hash("correct horse");
  EXPECT_NE(a, b);  // salted
  EXPECT_EQ(a.rfind("pbkdf2-sha256$10000$", 0), 0u);
  EXPECT_TRUE(crypto::verifyPassword("correct horse", a));
  EXPECT_FALSE(crypto::verifyPassword("wrong horse", a));
  EXPECT_FALSE(crypto::verifyPassword("x", "garbage"));
  struct stat st {};
  ASSERT_EQ(::stat((dir / "patrond.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(PasswordHasher, FingerprintsDependOnTheKeyFile) {
  test::TempDir one, two;
  auto h1 = crypto::openHasher(one / "k");
  auto h1again = crypto::openHasher(one / "k");
  auto h2 = crypto::openHasher(two / "k");
  ASSERT_TRUE(h1.ok() && h1again.ok() && h2.ok());
  EXPECT_EQ((*h1)->fingerprint("S1", "pw"), (*h1again)->fingerprint("S1", "pw"));
  EXPECT_NE((*h1)->fingerprint("S1", "pw"), (*h2)->fingerprint("S1", "pw"));
  EXPECT_NE((*h1)->fingerprint("S1", "pw"), (*h1)->fingerprint("S2", "pw"));
}

TEST(PasswordHasher, UnwritableKeyFileIsAClearError) {
  auto h = crypto::openHasher("/nonexistent/dir/patrond.key");
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.error().message.find("password key file"), std::string::npos);
}

}  // namespace
}  // namespace patrond
