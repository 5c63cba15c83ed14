// Starts a throw-away PostgreSQL 15 cluster, migrates a template database once; each test
// database is created from the template (test/harness.ts).
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/platform/db/database.js';
import { migrate } from '../../src/platform/db/migrate.js';
import { startCluster } from './postgres-cluster.js';

export default async function setup(project: TestProject) {
  const cluster = await startCluster();
  const admin = new pg.Client({ connectionString: cluster.url('postgres') });
  await admin.connect();
  await admin.query('create database jihuo_template');
  await admin.end();
  const handle = await openDatabase({ databaseUrl: cluster.url('jihuo_template'), poolSize: 2 });
  await migrate(handle.db);
  await handle.close();
  project.provide('postgresUrl', cluster.url('postgres'));
  return () => cluster.stop();
}
