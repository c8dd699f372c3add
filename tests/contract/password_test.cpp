// The crypto adapter: Argon2id hashes in PHC form that verify, old PBKDF2 hashes that still
// verify, keyed fingerprints, and the key file (created whole and 0600, read or refused
// clearly, the same key for two processes creating it at once).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include "adapters/crypto/password_hasher.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

// Cheap parameters for tests that only need a hash, not its cost.
constexpr crypto::HashParams kCheap{crypto::HashScheme::kArgon2id, 64, 1, 1};

TEST(PasswordHasher, DefaultIsArgon2idInPhcFormThatVerifies) {
  test::TempDir dir;
  auto h = crypto::openHasher(dir / "patrond.key");
  ASSERT_TRUE(h.ok()) << h.error().describe();
  std::string a = (*h)->hash("correct horse");
  std::string b = (*h)->hash("correct horse");
  EXPECT_NE(a, b);  // salted
  // The algorithm and every parameter are in the stored string: OWASP's m=19 MiB, t=2, p=1.
  EXPECT_EQ(a.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << a;
  EXPECT_EQ(std::count(a.begin(), a.end(), '$'), 5);
  EXPECT_TRUE(crypto::verifyPassword("correct horse", a));
  EXPECT_FALSE(crypto::verifyPassword("wrong horse", a));
  EXPECT_FALSE(crypto::verifyPassword("x", "garbage"));
  struct stat st {};
  ASSERT_EQ(::stat((dir / "patrond.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
}

TEST(PasswordHasher, ParametersAreRecordedAndVerifiedFromTheStoredString) {
  std::string cheap = crypto::hashPassword("pw", kCheap);
  EXPECT_EQ(cheap.rfind("$argon2id$v=19$m=64,t=1,p=1$", 0), 0u) << cheap;
  EXPECT_TRUE(crypto::verifyPassword("pw", cheap));
  std::string pbkdf2 = crypto::hashPassword("pw", {crypto::HashScheme::kPbkdf2Sha256, 0, 1234, 1});
  EXPECT_EQ(pbkdf2.rfind("pbkdf2-sha256$1234$", 0), 0u) << pbkdf2;
  EXPECT_TRUE(crypto::verifyPassword("pw", pbkdf2));
  EXPECT_FALSE(crypto::verifyPassword("pW", pbkdf2));
}

TEST(PasswordHasher, OldPbkdf2HashesStillVerify) {
  // Stored by patrond before Argon2id: PBKDF2-HMAC-SHA256, 10,000 iterations, this salt
  // (computed independently: Python's hashlib.pbkdf2_hmac("sha256", b"correct horse",
  // bytes.fromhex("000102030405060708090a0b0c0d0e0f"), 10000).hex()).
  const std::string old =
      "pbkdf2-sha256$10000$000102030405060708090a0b0c0d0e0f$"
      "e515070e0353a7db013961984b87babb9edccff4aadff4d081a0cfffc316e8bf";
  EXPECT_TRUE(crypto::verifyPassword("correct horse", old));
  EXPECT_FALSE(crypto::verifyPassword("correct horsf", old));
  std::string made = crypto::hashPassword("correct horse", crypto::kPbkdf2Legacy);
  EXPECT_EQ(made.rfind("pbkdf2-sha256$10000$", 0), 0u);
  EXPECT_TRUE(crypto::verifyPassword("correct horse", made));
}

TEST(BadInputPasswordHash, MalformedStoredHashesAreRefusedNotCrashes) {
  for (const std::string& bad : std::vector<std::string>{
           "", "$", "pbkdf2-sha256", "pbkdf2-sha256$", "pbkdf2-sha256$abc$00$00",
           "pbkdf2-sha256$-1$00$00", "pbkdf2-sha256$99999999999999999999$00$00",
           "pbkdf2-sha256$10000$zz$00", "pbkdf2-sha256$10000$0$00",
           "pbkdf2-sha256$10000$00$" + std::string(64, 'g'),
           "pbkdf2-sha256$2000000000$00$" + std::string(64, '0'),  // would take hours
           "$argon2id$", "$argon2id$v=19$m=4294967295,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA",
           "$argon2id$v=19$m=64,t=1,p=1$!!$!!", "$argon2i$v=19$m=64,t=1,p=1$AAAA$AAAA"}) {
    EXPECT_FALSE(crypto::verifyPassword("pw", bad)) << bad;
  }
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

TEST(PasswordHasher, HashesFromManyThreadsAtOnceAllVerify) {
  test::TempDir dir;
  auto h = crypto::openHasher(dir / "k", kCheap);
  ASSERT_TRUE(h.ok());
  std::vector<std::string> out(64);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = static_cast<std::size_t>(t); i < out.size(); i += 8) {
        out[i] = (*h)->hash("pw" + std::to_string(i));
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  std::set<std::string> distinct(out.begin(), out.end());
  EXPECT_EQ(distinct.size(), out.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_TRUE(crypto::verifyPassword("pw" + std::to_string(i), out[i])) << i;
  }
}

TEST(PasswordKeyFile, IsCreatedMode0600WhateverTheUmask) {
  test::TempDir dir;
  mode_t old = ::umask(0);
  auto h = crypto::openHasher(dir / "patrond.key");
  ::umask(old);
  ASSERT_TRUE(h.ok()) << h.error().describe();
  struct stat st {};
  ASSERT_EQ(::stat((dir / "patrond.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Nothing else is left in the folder (the key is written aside, then linked in place).
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(PasswordKeyFile, UnwritableFolderSaysCannotCreate) {
  auto h = crypto::openHasher("/nonexistent/dir/patrond.key");
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.error().message.find("cannot create the password key file "
                                   "/nonexistent/dir/patrond.key: No such file or directory"),
            std::string::npos)
      << h.error().message;
}

TEST(BadInputKeyFile, EmptyKeyFileSaysCannotReadAndIsLeftAlone) {
  test::TempDir dir;
  std::ofstream(dir / "patrond.key").close();
  auto h = crypto::openHasher(dir / "patrond.key");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(
      h.error().message.rfind(
          "cannot read the password key file " + (dir / "patrond.key") + ": the file is empty", 0),
      0u)
      << h.error().message;
  EXPECT_NE(h.error().message.find("restore it from the backup, or delete it"), std::string::npos);
  EXPECT_EQ(std::filesystem::file_size(dir / "patrond.key"), 0u);  // not replaced
}

TEST(BadInputKeyFile, ShortKeyFileSaysCannotRead) {
  test::TempDir dir;
  std::ofstream(dir / "patrond.key") << "short";
  auto h = crypto::openHasher(dir / "patrond.key");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().message.rfind("cannot read the password key file " + (dir / "patrond.key") +
                                        ": it holds 5 bytes; a key is at least 32",
                                    0),
            0u)
      << h.error().message;
}

TEST(BadInputKeyFile, KeyFileThatIsAFolderSaysCannotRead) {
  test::TempDir dir;
  std::filesystem::create_directory(dir / "patrond.key");
  auto h = crypto::openHasher(dir / "patrond.key");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().message.rfind("cannot read the password key file " + (dir / "patrond.key") +
                                        ": it is a folder, not a file",
                                    0),
            0u)
      << h.error().message;
}

// Opens the key file as patrond's service user would: as root (a CI container) the check
// runs in a child that gave up root for nobody, like a service reading a key root created.
std::string openAsServiceUser(const std::string& key) {
  if (::geteuid() != 0) {
    auto h = crypto::openHasher(key);
    return h.ok() ? "opened" : h.error().message;
  }
  int fds[2];
  if (::pipe(fds) != 0) {
    return "no pipe";
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string out = "could not drop root";
    if (::setgid(65534) == 0 && ::setuid(65534) == 0) {
      auto h = crypto::openHasher(key);
      out = h.ok() ? "opened" : h.error().message;
    }
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[1024];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) {
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return out;
}

TEST(BadInputKeyFile, UnreadableKeyFileSaysCannotReadAndNamesTheOwner) {
  test::TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);  // the folder can be entered, not the file
  std::string key = dir / "patrond.key";
  ASSERT_TRUE(crypto::openHasher(key).ok());
  ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
  if (::geteuid() != 0) {
    ASSERT_EQ(::chmod(key.c_str(), 0), 0);
  }
  std::string message = openAsServiceUser(key);
  EXPECT_EQ(message.rfind("cannot read the password key file " + key + ": Permission denied", 0),
            0u)
      << message;
  EXPECT_NE(message.find("check its owner and mode: a command run as root may have created it"),
            std::string::npos)
      << message;
  EXPECT_EQ(std::filesystem::file_size(key), 32u);  // left as it was
}

TEST(PasswordKeyFile, ProcessesCreatingItAtOnceGetTheSameKey) {
  test::TempDir dir;
  for (int round = 0; round < 20; ++round) {
    std::string key = dir / ("k" + std::to_string(round));
    constexpr int kProcesses = 4;
    int pipes[kProcesses][2];
    for (int i = 0; i < kProcesses; ++i) {
      ASSERT_EQ(::pipe(pipes[i]), 0);
    }
    std::vector<pid_t> children;
    for (int i = 0; i < kProcesses; ++i) {
      pid_t pid = ::fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        auto h = crypto::openHasher(key);
        std::string out = h.ok() ? (*h)->fingerprint("S1", "pw") : "ERROR " + h.error().message;
        (void)!::write(pipes[i][1], out.data(), out.size());
        ::_exit(0);
      }
      ::close(pipes[i][1]);
      children.push_back(pid);
    }
    std::set<std::string> prints;
    for (int i = 0; i < kProcesses; ++i) {
      std::string out;
      char buf[512];
      for (ssize_t n; (n = ::read(pipes[i][0], buf, sizeof buf)) > 0;) {
        out.append(buf, static_cast<std::size_t>(n));
      }
      ::close(pipes[i][0]);
      EXPECT_EQ(out.rfind("hmac:", 0), 0u) << out;
      prints.insert(out);
    }
    for (pid_t pid : children) {
      int status = 0;
      ::waitpid(pid, &status, 0);
    }
    EXPECT_EQ(prints.size(), 1u) << "round " << round;
    auto again = crypto::openHasher(key);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*prints.begin(), (*again)->fingerprint("S1", "pw"));
  }
}

}  // namespace
}  // namespace patrond
