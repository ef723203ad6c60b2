/** The Zivver SCIM client and its helpers: the only way the rest of the tool talks to Zivver. */
export * from './types.js';
export { createScimClient, HttpScimClient, parseRetryAfter, type HttpScimClientStats } from './client.js';
export { ZivverHttpError, ZivverUnreachableError, ZivverAbortedError, ZivverStaleWriteError, writeMayHaveApplied, type RequestFailureInfo } from './errors.js';
export { RateBudget, systemClock, sleep, type Clock, type RateBudgetOptions, type ReleaseSlot } from './rateBudget.js';
export { parseRateLimit, formatRateLimit, DEFAULT_RATE_LIMIT } from './rateLimit.js';
export { validateZivverUrl, isLoopbackHost, baseUrlString } from './url.js';
export { resolveApiKey, checkApiKeyShape, looksBase64Encoded } from './apiKey.js';
export { MediaTypeChoice, PLAIN_JSON, SCIM_JSON, acceptHeader, type MediaType } from './mediaType.js';
export { parseRateLimitHeaders, type ServerBudget } from './rateLimitHeaders.js';
export { toZivverAccount } from './account.js';
