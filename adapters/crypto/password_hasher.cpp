#include "adapters/crypto/password_hasher.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "adapters/os/files.h"

namespace patrond::crypto {
namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
// A stored hash asking for more than this is refused, not computed (it is malformed or
// hostile: a verification must not take minutes or gigabytes).
constexpr std::uint32_t kMaxPbkdf2Iterations = 10'000'000;
constexpr std::uint32_t kMaxArgon2MemoryKiB = 1u << 20;  // 1 GiB

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s += kHex[p[i] >> 4];
    s += kHex[p[i] & 0xF];
  }
  return s;
}

std::optional<std::vector<unsigned char>> unhex(std::string_view s) {
  if (s.size() % 2 != 0) {
    return std::nullopt;
  }
  std::vector<unsigned char> out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(s.data() + i, s.data() + i + 2, v, 16);
    if (ec != std::errc() || end != s.data() + i + 2) {
      return std::nullopt;
    }
    out.push_back(static_cast<unsigned char>(v));
  }
  return out;
}

std::vector<unsigned char> randomBytes(std::size_t n) {
  std::vector<unsigned char> b(n);
  if (RAND_bytes(b.data(), static_cast<int>(n)) != 1) {
    throw std::runtime_error("no random bytes for a password salt");
  }
  return b;
}

std::string pbkdf2(const std::string& password, const std::vector<unsigned char>& salt,
                   std::uint32_t iterations) {
  unsigned char out[kHashBytes];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        sizeof out, out) != 1) {
    throw std::runtime_error("PBKDF2 failed");
  }
  return hex(out, sizeof out);
}

bool verifyPbkdf2(const std::string& password, std::string_view stored) {
  // pbkdf2-sha256$ITER$SALT$HASH
  std::size_t a = stored.find('$'), b = stored.find('$', a + 1), c = stored.find('$', b + 1);
  if (c == std::string_view::npos || stored.substr(0, a) != "pbkdf2-sha256") {
    return false;
  }
  std::uint32_t iterations = 0;
  std::string_view it = stored.substr(a + 1, b - a - 1);
  auto [end, ec] = std::from_chars(it.data(), it.data() + it.size(), iterations);
  auto salt = unhex(stored.substr(b + 1, c - b - 1));
  std::string_view actual = stored.substr(c + 1);
  if (ec != std::errc() || end != it.data() + it.size() || iterations == 0 ||
      iterations > kMaxPbkdf2Iterations || !salt || actual.size() != 2 * kHashBytes) {
    return false;
  }
  std::string expected = pbkdf2(password, *salt, iterations);
  return CRYPTO_memcmp(expected.data(), actual.data(), expected.size()) == 0;
}

bool verifyArgon2id(const std::string& password, const std::string& stored) {
  // $argon2id$v=19$m=M,t=T,p=P$SALT$HASH: the memory is checked before libargon2 allocates it.
  std::size_t m = stored.find("$m=");
  if (m == std::string::npos) {
    return false;
  }
  std::uint32_t memory = 0;
  const char* begin = stored.data() + m + 3;
  auto [end, ec] = std::from_chars(begin, stored.data() + stored.size(), memory);
  if (ec != std::errc() || memory > kMaxArgon2MemoryKiB) {
    return false;
  }
  return argon2id_verify(stored.c_str(), password.data(), password.size()) == ARGON2_OK;
}

class OpenSslHasher final : public PasswordHasher {
 public:
  OpenSslHasher(std::string key, HashParams params) : key_(std::move(key)), params_(params) {}

  std::string hash(const std::string& password) override { return hashPassword(password, params_); }

  std::string fingerprint(const std::string& key, const std::string& password) override {
    std::string msg = key + '\x1F' + password;
    unsigned char out[32];
    unsigned int len = sizeof out;
    HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
         reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &len);
    return "hmac:" + hex(out, len);
  }

 private:
  const std::string key_;
  const HashParams params_;
};

std::string systemError(int err) {
  return std::strerror(err);
}

Error cannotRead(const std::string& keyFile, const std::string& why) {
  return Error{"CRYPTO",
               "cannot read the password key file " + keyFile + ": " + why +
                   ". It keys the fingerprints that tell a changed password from an unchanged "
                   "one; patrond must be able to read it (check its owner and mode: a command "
                   "run as root may have created it, then `chown patrond: " +
                   keyFile +
                   "` and `chmod 600` it). If it is lost, restore it from the backup, or delete "
                   "it: a new key is made and every row with a password is written once more",
               ""};
}

Error cannotCreate(const std::string& keyFile, const std::string& why) {
  return Error{"CRYPTO",
               "cannot create the password key file " + keyFile + ": " + why +
                   " (needed when passwords are mapped; its folder must exist and be writable "
                   "by the user patrond runs as)",
               ""};
}

enum class ReadState { kRead, kMissing };

// Reads an existing key file: the key, kMissing when there is none, or a clear error.
Result<ReadState> readKey(const std::string& keyFile, std::string& key) {
  os::OpenedFile f = os::openRegularFile(keyFile);
  switch (f.failure) {
    case os::OpenFailure::kNone:
      break;
    case os::OpenFailure::kMissing:
      return ReadState::kMissing;
    case os::OpenFailure::kFolder:
      return cannotRead(keyFile, "it is a folder, not a file");
    case os::OpenFailure::kNotRegular:
      return cannotRead(keyFile, "it is not a regular file");
    case os::OpenFailure::kSystem:
      return cannotRead(keyFile, f.reason);
  }
  key.clear();
  char buf[4096];
  std::size_t n;
  while (key.size() <= 65536 && (n = std::fread(buf, 1, sizeof buf, f.file)) > 0) {
    key.append(buf, n);
  }
  bool failed = std::ferror(f.file) != 0;
  int err = errno;
  std::fclose(f.file);
  if (failed) {
    return cannotRead(keyFile, systemError(err));
  }
  if (key.empty()) {
    return cannotRead(keyFile, "the file is empty");
  }
  if (key.size() < kKeyBytes) {
    return cannotRead(keyFile, "it holds " + std::to_string(key.size()) +
                                   " bytes; a key is at least " + std::to_string(kKeyBytes));
  }
  return ReadState::kRead;
}

// Creates the key file whole or not at all: the key is written to a new file of its own
// (created exclusively, readable by its owner only from the start) and linked to its name,
// which fails when the name exists. So a reader never sees a half-written key, and of two
// processes creating it at once the loser reads the winner's. Returns false (and no error)
// when it lost.
Result<bool> createKey(const std::string& keyFile, const std::vector<unsigned char>& fresh) {
  unsigned char suffix[8];
  if (RAND_bytes(suffix, sizeof suffix) != 1) {
    return cannotCreate(keyFile, "no random bytes");
  }
  const std::string bytes(fresh.begin(), fresh.end());
  std::string temp = keyFile + ".new-" + hex(suffix, sizeof suffix);
  std::string reason;
  switch (os::createNewFile(temp, bytes, reason)) {
    case os::CreateResult::kFailed:
      return cannotCreate(keyFile, reason);
    case os::CreateResult::kExists:
      break;  // a leftover of that very name: write the key file itself below
    case os::CreateResult::kCreated: {
      bool linked = os::linkNoReplace(temp, keyFile);
      int linkErr = errno;
      std::error_code ec;
      std::filesystem::remove(temp, ec);
      if (linked) {
        return true;
      }
      if (linkErr == EEXIST) {
        return false;
      }
      if (linkErr != EPERM && linkErr != ENOTSUP && linkErr != EOPNOTSUPP) {
        return cannotCreate(keyFile, systemError(linkErr));
      }
      break;  // a file system without hard links: the key file itself, exclusively
    }
  }
  switch (os::createNewFile(keyFile, bytes, reason)) {
    case os::CreateResult::kCreated:
      return true;
    case os::CreateResult::kExists:
      return false;
    case os::CreateResult::kFailed:
      break;
  }
  return cannotCreate(keyFile, reason);
}

}  // namespace

std::string hashPassword(const std::string& password, const HashParams& params) {
  auto salt = randomBytes(kSaltBytes);
  if (params.scheme == HashScheme::kPbkdf2Sha256) {
    return "pbkdf2-sha256$" + std::to_string(params.iterations) + "$" +
           hex(salt.data(), salt.size()) + "$" + pbkdf2(password, salt, params.iterations);
  }
  std::string encoded(argon2_encodedlen(params.iterations, params.memoryKiB, params.parallelism,
                                        kSaltBytes, kHashBytes, Argon2_id),
                      '\0');
  int rc = argon2id_hash_encoded(params.iterations, params.memoryKiB, params.parallelism,
                                 password.data(), password.size(), salt.data(), salt.size(),
                                 kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    throw std::runtime_error(std::string("Argon2id failed: ") + argon2_error_message(rc));
  }
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool verifyPassword(const std::string& password, const std::string& stored) {
  if (stored.rfind("$argon2id$", 0) == 0) {
    return verifyArgon2id(password, stored);
  }
  if (stored.rfind("pbkdf2-sha256$", 0) == 0) {
    return verifyPbkdf2(password, stored);
  }
  return false;
}

Result<std::unique_ptr<PasswordHasher>> openHasher(const std::string& keyFile, HashParams params) {
  std::string key;
  // Twice at most: when another process creates the file first, its key is read.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto state = readKey(keyFile, key);
    if (!state) {
      return state.error();
    }
    if (*state == ReadState::kRead) {
      return std::unique_ptr<PasswordHasher>(std::make_unique<OpenSslHasher>(key, params));
    }
    std::vector<unsigned char> fresh(kKeyBytes);
    if (RAND_bytes(fresh.data(), static_cast<int>(fresh.size())) != 1) {
      return Error{"CRYPTO", "no random bytes for the password key", keyFile};
    }
    auto created = createKey(keyFile, fresh);
    if (!created) {
      return created.error();
    }
    if (*created) {
      key.assign(fresh.begin(), fresh.end());
      return std::unique_ptr<PasswordHasher>(std::make_unique<OpenSslHasher>(key, params));
    }
  }
  return cannotRead(keyFile, "it was created by another process and then disappeared");
}

}  // namespace patrond::crypto
