// A new user's CommonJS script: the required package serves (serve-once.cjs).
const core = require('stream-socket-server');
const php = require('stream-socket-server/php');
const { serveOnce } = require('./serve-once.cjs');

serveOnce(core, php).then(
  (result) => console.log(JSON.stringify({ script: 'cjs', ...result })),
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
