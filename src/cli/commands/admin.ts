import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { addStoreOptions, configFromOptions } from '../options.js';
import { openStore } from '../../store/index.js';
import { SYSTEM_ACTOR, createOrganisation, createPerson } from '../../auth/index.js';
import { AcdError } from '../../shared/errors.js';

export function register(program: Command): void {
  const admin = program.command('admin').description('Administration: bootstrap the first administrator')
    .addHelpText('after', '\nExamples:\n  $ acd admin create --username root-admin --data ./.acd\n  $ acd admin <command> --help   what one command does, its options and an example\n');
  addStoreOptions(
    admin
      .command('create')
      .description('Create the first administrator (and the agency organisation it belongs to, when missing); prints the password once')
      .requiredOption('--username <name>', 'login name (a-z, 0-9, . _ -)')
      .option('--display-name <name>', 'the name shown in the dashboard', 'Administrator')
      .option('--org <name>', 'name of the agency organisation', 'National Cyber Agency')
      .option('--password-env <var>', 'take the password from this environment variable instead of generating one'),
  )
    .addHelpText('after', '\nExamples:\n  $ acd admin create --username admin\n  $ ADMIN_PW=... acd admin create --username admin --password-env ADMIN_PW --db postgres://127.0.0.1/acd')
    .action(async (opts: Record<string, unknown>) => {
      const config = configFromOptions(opts);
      const store = await openStore(config.db ? { db: config.db } : { data: config.data });
      try {
        const orgName = String(opts.org);
        let org = await store.db.selectFrom('organisations').selectAll().where('name', '=', orgName).executeTakeFirst();
        if (org && org.kind !== 'agency') throw new AcdError('ORG_KIND', `organisation "${orgName}" exists but is a ${org.kind}, not the agency`);
        org ??= await createOrganisation(store.db, SYSTEM_ACTOR, { name: orgName, kind: 'agency', country: config.country });
        const envVar = opts.passwordEnv as string | undefined;
        const password = envVar ? process.env[envVar] : randomBytes(12).toString('base64url');
        if (!password) throw new AcdError('PASSWORD_MISSING', `environment variable ${envVar} is empty`);
        const user = await createPerson(store.db, SYSTEM_ACTOR, {
          orgId: org.id,
          username: String(opts.username),
          displayName: String(opts.displayName),
          password,
          roles: ['admin'],
        });
        console.log(`created administrator ${user.username} in ${org.name}`);
        if (!envVar) console.log(`password (shown once): ${password}`);
      } finally {
        await store.close();
      }
    });
}
