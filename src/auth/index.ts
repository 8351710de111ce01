// Auth's public interface: roles, the Actor, accounts, secrets, sessions and the login throttle.
export * from '../shared/roles.js';
export * from './accounts.js';
export { hashPassword, verifyPassword, sha256Hex, safeEqual, dummyPasswordHash, MIN_PASSWORD_LENGTH } from './secrets.js';
export * from './sessions.js';
export { createLoginThrottle, createStoredLoginThrottle, type LoginThrottle, type StoredLoginThrottle } from './throttle.js';
export { checkPasswordStrength, MIN_PASSWORD_SCORE } from './passwords.js';
export * from './lifecycle.js';
export { setTokenCacheTtl } from './token-cache.js';
export { DEVICE_COOKIE, isKnownDevice, rememberDevice } from './devices.js';
