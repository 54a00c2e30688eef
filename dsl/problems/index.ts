// One constructor per diagnostic code the checker reports (Cedar's one error kind per problem):
// each takes the typed fields of its problem and builds the message and hint from them, so a
// call site says what is wrong and never how to word it. Where one code covers several
// situations, a field (`kind`, `where`) says which.
export * from './calendars.js';
export * from './names.js';
export * from './sections.js';
export * from './types.js';
export * from './analysis.js';
