#pragma once
// Crypto adapter: PasswordHasher over OpenSSL. Stored hashes are PBKDF2-HMAC-SHA256 with a
// random 16-byte salt: "pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX". Change detection uses
// HMAC-SHA256 keyed with a secret key file kept outside the database, so a copy of the
// database alone does not let anyone test password guesses quickly.

#include <memory>
#include <string>

#include "engine/patron_import.h"
#include "engine/result.h"

namespace patrond::crypto {

inline constexpr int kPbkdf2Iterations = 10000;

// Loads the key file, creating it (32 random bytes, mode 0600) when it does not exist.
Result<std::unique_ptr<PasswordHasher>> openHasher(const std::string& keyFile);

// Checks a password against a stored hash (for tests and future sign-in checks).
bool verifyPassword(const std::string& password, const std::string& stored);

}  // namespace patrond::crypto
