// Reads the parameters (one JSON line on stdin) and echoes them with the interpreter's version.
let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const params = JSON.parse(input.split('\n')[0] || '{}');
  console.log(JSON.stringify({ echo: params, node: process.versions.node }));
});
