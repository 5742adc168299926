/** One `pmesh` sub-command: its name, a one-line summary for `pmesh --help`, and its own usage text. */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  /** Full `pmesh <name> --help` text. */
  readonly usage: string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}
