/**
 * `vmbackup test-email --config FILE.cfg`: sends a short message with the cfg's mail settings,
 * so a wrong relay, certificate or password shows up now and not after the first failed backup
 * night. One attempt only: the person at the terminal wants the first error at once.
 */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { effectiveSettings } from '../../config/index.js';
import { VmbackupError } from '../../errors.js';
import { testMailContent } from '../../report/mail-content.js';
import { type MailDelivery, relayOf, sendMail, smtpPasswordFor } from '../../report/mail-send.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../../access/io.js';
import { loadTarget } from '../load-target.js';
import { reportIssues } from '../print-issues.js';

export const TEST_EMAIL_USAGE = 'vmbackup test-email --config FILE.cfg';

const OPTIONS = { config: { type: 'string' } } as const;

function describeDelivery(d: MailDelivery): string {
  const tls = d.tls === null ? '' : d.tls ? ', STARTTLS with a verified certificate' : ', NOT encrypted (no STARTTLS)';
  const login = d.login === null ? ', no login' : `, logged in as ${d.login}`;
  const lines = [`test message sent to ${d.to.join(', ')}`, `  relay:    ${d.relay}${tls}${login}`, `  from:     ${d.from}`, `  answer:   ${d.response}`];
  if (d.rejected.length > 0) lines.push(`  REJECTED by the relay: ${d.rejected.join(', ')}`);
  return lines.join('\n') + '\n';
}

export async function testEmailCommand(args: string[], io: CliIo): Promise<number> {
  try {
    let values;
    try {
      ({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }));
    } catch (err) {
      throw new VmbackupError('USAGE', (err as Error).message, TEST_EMAIL_USAGE);
    }
    if (values.config === undefined) throw new VmbackupError('USAGE', '--config FILE.cfg is required', TEST_EMAIL_USAGE);
    const loaded = await loadTarget({ kind: 'config', path: values.config }, io, undefined);
    if (reportIssues(io, loaded.issues)) return EXIT.INVALID;
    const settings = effectiveSettings(loaded.model);
    if (settings.mailTo.length === 0) {
      throw new VmbackupError('MAIL_NOT_CONFIGURED', `${values.config} has no mail_to: there is nobody to send to`, 'add e.g. #vmbackup: mail_to=ops@example.com');
    }
    const host = hostname();
    const smtpPassword = await smtpPasswordFor(settings, io.env);
    io.stdout(`sending a test message to ${settings.mailTo.join(', ')} through ${relayOf(settings.smtpServer).label} (smtp_starttls=${settings.smtpStartTls})...\n`);
    const content = testMailContent({ hostname: host, source: loaded.source, settings, now: io.now() });
    const delivery = await sendMail(content, settings, { hostname: host, attempts: 1, ...(smtpPassword === undefined ? {} : { smtpPassword }) });
    io.stdout(describeDelivery(delivery));
    if (settings.mailWhen === 'never') io.stdout('note: mail_when=never, so backup runs send no report\n');
    return EXIT.OK;
  } catch (err) {
    // Reported here, not in main.ts, so the command's contract (exit 2, the reason on stderr)
    // holds however it is called.
    if (!(err instanceof VmbackupError)) throw err;
    io.stderr(`vmbackup: error: ${err.message}\n`);
    if (err.hint) io.stderr(`vmbackup: fix: ${err.hint}\n`);
    return EXIT.INVALID;
  }
}
