#include "adapters/crypto/password_hasher.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <vector>

namespace patrond::crypto {
namespace {

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s += kHex[p[i] >> 4];
    s += kHex[p[i] & 0xF];
  }
  return s;
}

std::vector<unsigned char> unhex(const std::string& s) {
  std::vector<unsigned char> out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
    out.push_back(static_cast<unsigned char>(std::stoi(s.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string pbkdf2(const std::string& password, const std::vector<unsigned char>& salt,
                   int iterations) {
  unsigned char out[32];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(), sizeof out, out);
  return hex(out, sizeof out);
}

class OpenSslHasher final : public PasswordHasher {
 public:
  explicit OpenSslHasher(std::string key) : key_(std::move(key)) {}

  std::string hash(const std::string& password) override {
    std::vector<unsigned char> salt(16);
    RAND_bytes(salt.data(), static_cast<int>(salt.size()));
    return "pbkdf2-sha256$" + std::to_string(kPbkdf2Iterations) + "$" +
           hex(salt.data(), salt.size()) + "$" + pbkdf2(password, salt, kPbkdf2Iterations);
  }

  std::string fingerprint(const std::string& key, const std::string& password) override {
    std::string msg = key + '\x1F' + password;
    unsigned char out[32];
    unsigned int len = sizeof out;
    HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
         reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &len);
    return "hmac:" + hex(out, len);
  }

 private:
  std::string key_;
};

}  // namespace

Result<std::unique_ptr<PasswordHasher>> openHasher(const std::string& keyFile) {
  std::ifstream in(keyFile, std::ios::binary);
  std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (key.size() < 32) {
    unsigned char fresh[32];
    if (RAND_bytes(fresh, sizeof fresh) != 1) {
      return Error{"CRYPTO", "no random bytes for the password key", keyFile};
    }
    std::FILE* f = std::fopen(keyFile.c_str(), "wbx");
    if (!f) {
      return Error{"CRYPTO",
                   "cannot create the password key file (needed when passwords are mapped)",
                   keyFile};
    }
    ::chmod(keyFile.c_str(), 0600);
    std::fwrite(fresh, 1, sizeof fresh, f);
    std::fclose(f);
    key.assign(reinterpret_cast<char*>(fresh), sizeof fresh);
  }
  return std::unique_ptr<PasswordHasher>(std::make_unique<OpenSslHasher>(key));
}

bool verifyPassword(const std::string& password, const std::string& stored) {
  // pbkdf2-sha256$ITER$SALT$HASH
  std::size_t a = stored.find('$'), b = stored.find('$', a + 1), c = stored.find('$', b + 1);
  if (a == std::string::npos || b == std::string::npos || c == std::string::npos ||
      stored.compare(0, a, "pbkdf2-sha256") != 0) {
    return false;
  }
  int iterations = std::stoi(stored.substr(a + 1, b - a - 1));
  std::string expected = pbkdf2(password, unhex(stored.substr(b + 1, c - b - 1)), iterations);
  std::string actual = stored.substr(c + 1);
  return expected.size() == actual.size() &&
         CRYPTO_memcmp(expected.data(), actual.data(), expected.size()) == 0;
}

}  // namespace patrond::crypto
