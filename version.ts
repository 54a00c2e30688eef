// The package's version, in one place below every folder: `spe --version` prints it and the
// OpenAPI document carries it (the server must not import the CLI). A test keeps it equal to
// package.json's.
export const VERSION = '0.1.0';
