/**
 * Bad input from a user (spec, flag, HTTP parameter, SQL): the CLI exits 2,
 * the dashboard answers 400. The message names what was wrong and what is
 * allowed; nothing has been changed when it is thrown.
 */
export class InputError extends Error {
  /**
   * @param message one line naming the input, the value got and what is
   *   allowed
   * @param issues every problem found, when there are several
   */
  constructor(
    message: string,
    readonly issues: string[] = [message],
  ) {
    super(message);
    this.name = 'InputError';
  }
}
