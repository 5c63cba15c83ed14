// Every benchmark scenario, in the order they run.
import type { Scenario } from '../lib/types.js';
import { activation } from './activation.js';
import { feeQuote } from './fee-quote.js';
import { httpFloor } from './http-floor.js';
import { importScenario } from './import.js';
import { settlement } from './settlement.js';
import { txPath } from './tx-path.js';
import { txPathRisk } from './tx-path-risk.js';

export const scenarios: Scenario[] = [httpFloor, txPath, txPathRisk, activation, settlement, importScenario, feeQuote];
