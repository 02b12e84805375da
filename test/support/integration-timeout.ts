// Integration tests talk to a real broker and engine; a shared 2-core machine can be slow.
// (testTimeout is a global Jest option, so the integration project sets it here.)
jest.setTimeout(120_000);
