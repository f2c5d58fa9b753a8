// The random source of the ids the client makes (session and server ids,
// callback and iframe names, from the protocol's generators):
// crypto.getRandomValues, which browsers and Node both have.

export const randomBytes = (bytes: Uint8Array): Uint8Array => crypto.getRandomValues(bytes);
