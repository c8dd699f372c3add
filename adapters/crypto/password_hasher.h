#pragma once
// Crypto adapter: PasswordHasher over libargon2 and OpenSSL. Every stored hash names its
// algorithm and parameters:
//   Argon2id (the default), the standard PHC string: "$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH"
//   PBKDF2-HMAC-SHA256: "pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX" (hashes stored before
//   Argon2id, at 10,000 iterations, keep verifying; they are replaced when the password changes)
// Change detection uses HMAC-SHA256 keyed with a secret key file kept outside the database,
// so a copy of the database alone does not let anyone test password guesses quickly.

#include <cstdint>
#include <memory>
#include <string>

#include "engine/patron_import.h"
#include "engine/result.h"

namespace patrond::crypto {

enum class HashScheme { kArgon2id, kPbkdf2Sha256 };

struct HashParams {
  HashScheme scheme = HashScheme::kArgon2id;
  std::uint32_t memoryKiB = 19 * 1024;  // Argon2id: m (19 MiB, OWASP's first choice)
  std::uint32_t iterations = 2;         // Argon2id: t; PBKDF2: the iteration count
  std::uint32_t parallelism = 1;        // Argon2id: p (the import runs one hash per core)
};

// OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1 (docs/performance.md).
inline constexpr HashParams kDefaultHash{};
// The alternative OWASP names for PBKDF2-HMAC-SHA256, for comparison (bench/).
inline constexpr HashParams kPbkdf2Owasp{HashScheme::kPbkdf2Sha256, 0, 600000, 1};
// What patrond stored before Argon2id.
inline constexpr HashParams kPbkdf2Legacy{HashScheme::kPbkdf2Sha256, 0, 10000, 1};

// Loads the key file, creating it (32 random bytes, mode 0600 from the start) when it does
// not exist. Two processes creating it at once end up with the same key. Passwords are
// hashed with `params`.
Result<std::unique_ptr<PasswordHasher>> openHasher(const std::string& keyFile,
                                                   HashParams params = kDefaultHash);

// A salted hash of `password` with `params`, in the self-describing form above. Throws
// std::runtime_error when the library fails (out of memory). Safe from several threads.
std::string hashPassword(const std::string& password, const HashParams& params);

// Checks a password against a stored hash of either form; false for anything malformed.
bool verifyPassword(const std::string& password, const std::string& stored);

}  // namespace patrond::crypto
