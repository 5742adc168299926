/** Every `pmesh` command, in the order `pmesh --help` lists them. */
import { caCommand } from './ca.js';
import { certCommand } from './cert.js';
import type { CliCommand } from './command.js';
import { demo } from './demo.js';
import { doctorCommand } from './doctor.js';
import { statusCommand } from './status.js';
import { start } from './start.js';
import { validate } from './validate.js';

export const COMMANDS: readonly CliCommand[] = [
  start,
  demo,
  validate,
  doctorCommand,
  statusCommand,
  caCommand,
  certCommand,
];
