// A separate process that behaves like a backup run: connect, export one VM, disconnect, and
// report how long the process lived after disconnect() (xapi-notes §1.12).
import { createClient } from 'xen-api';

const [url, user, password, vmName] = process.argv.slice(2);
const xapi = createClient({ url, auth: { user, password }, allowUnauthorized: true });
await xapi.connect();
await xapi.objectsFetched;
const vm = Object.values(xapi.objects.indexes.type.VM).find((v) => v.name_label === vmName);
const res = await xapi.getResource('/export/', { query: { ref: vm.$ref } });
let bytes = 0;
for await (const chunk of res.body) bytes += chunk.length;
await res.task;
const disconnectedAt = Date.now();
await xapi.disconnect();
process.on('exit', () => process.stdout.write(JSON.stringify({ bytes, exitMs: Date.now() - disconnectedAt }) + '\n'));
