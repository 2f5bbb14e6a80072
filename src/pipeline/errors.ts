/**
 * Options given to a pipeline function that do not fit the data (a task A
 * set asked for task B, a set without labels asked to be scored): the
 * caller's mistake, as a usage error is on the command line, and told apart
 * from bad data (DataError) and from the program's own errors.
 */
export class OptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionError';
  }
}
