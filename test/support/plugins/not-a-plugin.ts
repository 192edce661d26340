/** A module that exports no plugin: loading it must fail with a message that says so. */
export const answer = 42
