// `jihuo-terminal`: a terminal simulator that behaves like a POS (SPEC §6). It keeps its state
// (server, SN, factory key, terminal key) in a JSON file, boots with hello, shows the screen,
// asks for the activation code (checking the Damm digit locally first), runs the self-test and
// takes sales.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import { checkActivationCode, normalizeActivationCode } from '../modules/activation/activation-code.js';
import { TerminalClient, TerminalError, type ComponentResults, type TerminalState } from './terminal-client.js';
import { renderScreen, renderSelfTest } from './screen.js';

const components = ['cardReader', 'contactless', 'qrScanner', 'printer', 'network'] as const;
const program = new Command();
program.name('jihuo-terminal').description('Jihuo terminal simulator: a virtual POS speaking the signed terminal protocol')
  .option('--state <path>', 'state file (server, SN, keys)', process.env.JIHUO_TERMINAL_STATE ?? './jihuo-terminal.json')
  .showHelpAfterError();

function statePath(): string { return program.opts<{ state: string }>().state; }

function save(state: TerminalState): void {
  writeFileSync(statePath(), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

function load(): TerminalClient {
  const path = statePath();
  if (!existsSync(path)) throw new TerminalError(0, 'no_state', `No state file ${path}: run jihuo-terminal init first`, {});
  return new TerminalClient(JSON.parse(readFileSync(path, 'utf8')) as TerminalState, { onStateChange: save });
}

function print(lines: string[]): void { process.stdout.write(`${lines.join('\n')}\n`); }

async function boot(client: TerminalClient, firmware?: string, cityCode?: string): Promise<void> {
  const view = await client.hello({ ...(firmware ? { firmwareVersion: firmware } : {}), ...(cityCode ? { location: { cityCode } } : {}) });
  print(renderScreen(view, client.state.sn));
  if (view.terminalKey) print(['New terminal key received and stored; requests are now signed with it.']);
}

/**
 * Asks for the code until one passes the local Damm check. Reads lines through the interface's
 * iterator, which buffers them: `rl.question` drops lines that arrive before it is called, so a
 * piped second line (after a typo) was lost.
 */
async function askCode(): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  rl.setPrompt('请输入激活码 Enter activation code: ');
  rl.prompt();
  try {
    for await (const line of rl) {
      const code = normalizeActivationCode(line);
      if (checkActivationCode(code) === 'ok') return code;
      process.stdout.write('激活码有误，请检查后重新输入 / That code has a typo; check it and enter it again.\n');
      rl.prompt();
    }
  } finally { rl.close(); }
  throw new TerminalError(0, 'no_input', '未输入激活码 / No activation code was entered', {});
}

program.command('init').description('Create the state file of a terminal')
  .requiredOption('--server <url>', 'platform URL, e.g. http://localhost:3000')
  .requiredOption('--sn <sn>', 'serial number')
  .requiredOption('--factory-key <hex>', 'factory key (64 hex digits)')
  .option('--firmware <version>', 'firmware version reported on hello', '1.0.0')
  .action((options: { server: string; sn: string; factoryKey: string; firmware: string }) => {
    const client = new TerminalClient({ server: options.server, sn: options.sn, factoryKey: options.factoryKey.toLowerCase(), terminalKey: null, firmwareVersion: options.firmware });
    save(client.state);
    print([`Terminal ${options.sn} ready (state in ${statePath()}). Next: jihuo-terminal boot`]);
  });

program.command('boot').description('Boot: hello, then show the screen')
  .option('--firmware <version>', 'firmware version to report')
  .option('--city <cityCode>', 'city code to report')
  .action(async (options: { firmware?: string; city?: string }) => { await boot(load(), options.firmware, options.city); });

program.command('activate').description('Enter the activation code (prompts when --code is not given)')
  .option('--code <code>', 'activation code, e.g. "1234 5678 9012"')
  .action(async (options: { code?: string }) => {
    const client = load();
    const code = options.code ? normalizeActivationCode(options.code) : await askCode();
    if (checkActivationCode(code) !== 'ok') {
      throw new TerminalError(0, 'activation_code_malformed', '激活码有误（校验位不符），未提交 / The code has a typo (check digit); nothing was sent', {});
    }
    const result = await client.activate(code);
    print([`激活成功 Activated: ${result.merchantName}`, `TID ${result.tid}  MID ${result.mid}`,
      'Terminal key received and stored. Next: jihuo-terminal self-test']);
  });

program.command('pairing-code').description('Show a pairing code to type into the merchant portal')
  .action(async () => {
    const result = await load().pairingCode();
    print([`配对码 Pairing code: ${result.pairingCode}`, `有效期至 Valid until ${result.expiresAt}`,
      'Type it into the portal, then run jihuo-terminal boot to receive the terminal key.']);
  });

program.command('self-test').description('Run the self-test (every component passes unless --fail names it)')
  .addOption(new Option('--fail <component...>', 'components that fail').choices([...components]))
  .action(async (options: { fail?: string[] }) => {
    const results: ComponentResults = Object.fromEntries(components.map((c) => [c, options.fail?.includes(c) ? 'fail' : 'pass']));
    print(renderSelfTest(await load().selfTest(results)));
  });

program.command('sale').description('Take a sale')
  .requiredOption('--method <method>', 'debit_card, credit_card, wechat_qr, alipay_qr or unionpay_qr')
  .requiredOption('--amount <fen>', 'amount in fen (1/100 CNY), e.g. 1000000 for ¥10,000.00')
  .option('--idempotency-key <key>', 'reuse a key to retry the same sale')
  .option('--operator <no>', 'terminal operator number')
  .option('--card <bin:last4>', 'card BIN and last four, e.g. 622202:1234')
  .action(async (options: { method: string; amount: string; idempotencyKey?: string; operator?: string; card?: string }) => {
    const amount = Number(options.amount);
    if (!Number.isSafeInteger(amount) || amount <= 0) throw new TerminalError(0, 'validation_failed', '--amount must be a whole number of fen', {});
    const [bin, last4] = options.card?.split(':') ?? [];
    const result = await load().sale({
      method: options.method, amount, ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
      ...(options.operator ? { operatorNo: options.operator } : {}), ...(bin && last4 ? { card: { bin, last4 } } : {}),
    });
    print([JSON.stringify(result, null, 2)]);
  });

program.command('messages').description('Show device messages (notices, update prompts)')
  .action(async () => {
    const result = await load().messages();
    const lines = (result.data as Array<{ kind: string; text: { zh: string; en: string }; createdAt: string }>)
      .map((m) => `[${m.kind}] ${m.createdAt} ${m.text.zh} / ${m.text.en}`);
    print(lines.length ? lines : ['No messages.']);
  });

program.command('state').description('Show the saved state (keys masked)')
  .action(() => {
    const { state } = load();
    const mask = (hex: string | null | undefined) => (hex ? `${hex.slice(0, 4)}…${hex.slice(-4)}` : null);
    print([JSON.stringify({ ...state, factoryKey: mask(state.factoryKey), terminalKey: mask(state.terminalKey), previousTerminalKey: mask(state.previousTerminalKey) }, null, 2)]);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof TerminalError) {
    const extra = error.code === 'activation_locked' ? ` (retry in ${String(error.details.retryAfterSeconds)} s)`
      : error.details.attemptsRemaining !== undefined ? ` (attempts remaining: ${String(error.details.attemptsRemaining)})` : '';
    process.stderr.write(`${error.code}: ${error.message}${extra}\n`);
  } else {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exitCode = 1;
});
