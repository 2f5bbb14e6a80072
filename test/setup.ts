// Every test runs on the Node host, as the CLI and the package's Node entry do.
import '../src/node/install.js';
