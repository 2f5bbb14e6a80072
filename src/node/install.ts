/** Importing this module installs the Node host (the package's Node entry and the CLI do). */
import { setHost } from '../host/host.js';
import { nodeHost } from './host.js';

setHost(nodeHost);
