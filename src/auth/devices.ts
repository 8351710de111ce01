/**
 * Devices a person has logged in from (issue #20): a long-lived random cookie set at a successful
 * login, stored as its SHA-256 with the person. A correct password from a known device passes a
 * back-off on the account alone, so an attacker failing logins from elsewhere cannot lock the owner out.
 */
import type { Kysely } from 'kysely';
import { withTables, type Database } from '../store/index.js';
import { newSecret, sha256Hex } from './secrets.js';

export const DEVICE_COOKIE = 'acd_device';

interface DeviceTables {
  login_devices: { device_hash: string; user_id: string; created_at: Date | string; last_login_at: Date | string };
}

export async function isKnownDevice(db: Kysely<Database>, userId: string, cookie: string | undefined): Promise<boolean> {
  if (!cookie || cookie.length > 200) return false;
  const row = await withTables<DeviceTables>(db).selectFrom('login_devices').select('user_id').where('device_hash', '=', sha256Hex(cookie)).executeTakeFirst();
  return row?.user_id === userId;
}

/** After a successful login: the device's cookie value (the one sent when known, else a new one). */
export async function rememberDevice(db: Kysely<Database>, userId: string, cookie: string | undefined): Promise<string> {
  const t = withTables<DeviceTables>(db);
  if (cookie && (await isKnownDevice(db, userId, cookie))) {
    await t.updateTable('login_devices').set({ last_login_at: new Date() }).where('device_hash', '=', sha256Hex(cookie)).execute();
    return cookie;
  }
  const value = newSecret('acd_dev');
  await t.insertInto('login_devices').values({ device_hash: sha256Hex(value), user_id: userId, created_at: new Date(), last_login_at: new Date() }).execute();
  return value;
}
