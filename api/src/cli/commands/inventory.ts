// `psirt feeds import`, `psirt sbom import`, `psirt vex export`: third-party
// vulnerabilities, the product inventory they are matched against, and VEX.
import { DomainError, NIL_UUID, parseTlp, TLP_ALIASES, TLP_NAMES, type TlpName } from '@psirt/schema';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { platformPolicy } from '../../policy.ts';
import { type CliRuntime, readCallerFile } from '../runtime.ts';

export function inventoryCommands(program: Command, rt: CliRuntime) {
  const feeds = program
    .command('feeds')
    .description('Third-party vulnerabilities: CVE feeds, matched against the inventory');

  feeds
    .command('import')
    .description(
      'Import third-party vulnerability feeds, then match what is new or changed against every product’s components. Each file, directory (every .json in it), .zip or URL may be an NVD CVE API 2.0 response page, OSV records (a file each, a JSON array, or osv.dev’s per-ecosystem zip), a supplier’s CSAF 2.0 advisory (validated: strict schema and mandatory tests) or a CSAF provider’s ROLIE feed (its new entries fetched and checked against their hashes and, when the provider names its keys, their OpenPGP signatures). An NVD API URL is fetched incrementally. Re-importing is idempotent; what is malformed is reported and skipped.',
    )
    .argument(
      '<sources...>',
      'JSON files or URLs (a .json URL is read like a file); or the NVD API’s URL, e.g. https://services.nvd.nist.gov/rest/json/cves/2.0 (with PSIRT_NVD_API_KEY)',
    )
    .action((inputs: string[]) => {
      const isUrl = (s: string) => /^https?:\/\//.test(s);
      // Files are the caller's: named as the caller meant them, wherever this runs.
      const sources = inputs.map((s) => (isUrl(s) ? s : rt.resolvePath(s)));
      return rt.withDatabase(async ({ prisma }, config) => {
        const only = sources.length === 1 ? (sources[0] as string) : null;
        if (only && isUrl(only) && !/\.json$/i.test(new URL(only).pathname)) {
          let bar: ReturnType<CliRuntime['progress']> | undefined;
          const { syncNvd } = await import('../../feeds/fetch.ts');
          const r = await syncNvd(prisma, { baseUrl: only, apiKey: config.feeds.nvd?.apiKey }, new Date(), {
            progress: (done, total) => {
              bar ??= rt.progress('records', total);
              bar.update(done);
            },
          });
          bar?.stop();
          rt.out(
            `${r.pages} page(s): ${r.new} new, ${r.updated} updated, ${r.unchanged} unchanged, ${r.skipped.length} skipped`,
          );
          printSkipped(rt, r.skipped);
          rt.out(
            `${r.matched.matches} affected component(s), ${r.matched.created} new assessment(s); next run asks for changes since ${r.until.toISOString()}`,
          );
          return;
        }
        const { importFeedSources, loadFeeds } = await import('../../feeds/sources.ts');
        const loaded = [];
        for (const [i, source] of sources.entries()) {
          try {
            loaded.push(...(await loadFeeds(source)));
          } catch (error) {
            // Named as given, not as resolved.
            throw new DomainError('VALIDATION', (error as Error).message.replace(source, inputs[i] as string));
          }
        }
        let bar: ReturnType<CliRuntime['progress']> | undefined;
        let current = '';
        const r = await importFeedSources(prisma, loaded, {
          progress: (label, done, total) => {
            if (label !== current) {
              bar?.stop();
              bar = rt.progress(label, total);
              current = label;
            }
            bar?.update(done);
          },
        });
        bar?.stop();
        if (r.perSource.length > 1) {
          for (const p of r.perSource) {
            rt.out(`${p.source}: ${p.new} new, ${p.updated} updated, ${p.unchanged} unchanged, ${p.skipped} skipped`);
          }
        }
        rt.out(`imported: ${r.new} new, ${r.updated} updated, ${r.unchanged} unchanged, ${r.skipped.length} skipped`);
        printSkipped(rt, r.skipped);
        // Each ROLIE entry: whether its OpenPGP signature was checked.
        for (const sig of r.signatures ?? []) rt.out(`  ${sig.id}: ${sig.note}`);
        rt.out(
          `matched against the inventory: ${r.matched.matches} affected component(s), ${r.matched.created} new assessment(s)`,
        );
        printUnreadable(rt, r.matched.unreadable);
      });
    });

  const sbom = program.command('sbom').description('Product inventory: components per product version');

  sbom
    .command('import')
    .description(
      'Replace a product version’s components with those of a CycloneDX JSON SBOM (components still listed keep their assessments), then match them against the CVEs held.',
    )
    .requiredOption('-p, --product <key>', 'the product (its key)')
    .requiredOption('-v, --product-version <version>', 'the product version the SBOM describes')
    .argument('<file>', 'a CycloneDX JSON BOM')
    .action(async (file: string, opts: { product: string; productVersion: string }) => {
      let json: unknown;
      try {
        json = JSON.parse((await readCallerFile(rt, file)).toString('utf8'));
      } catch (error) {
        if (error instanceof DomainError) throw error;
        throw new DomainError('VALIDATION', `${file}: ${(error as Error).message}`);
      }
      return rt.withDatabase(async ({ prisma }) => {
        const { importSbom } = await import('../../feeds/sbom.ts');
        const { matchInventory } = await import('../../feeds/match.ts');
        const r = await importSbom(prisma, opts.product, opts.productVersion, json);
        rt.out(`${opts.product} ${opts.productVersion}: ${r.added} added, ${r.kept} kept, ${r.removed} removed`);
        const matched = await matchInventory(prisma, { productVersionIds: [r.productVersionId] });
        rt.out(`${matched.matches} affected component(s), ${matched.created} new assessment(s)`);
      });
    });

  const vex = program.command('vex').description('VEX documents for products (third-party CVEs)');

  vex
    .command('export')
    .description('Print a product’s VEX from its current assessments, as CSAF 2.0 (csaf_vex) or CycloneDX 1.5 JSON.')
    .requiredOption('-p, --product <key>', 'the product (its key)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['csaf', 'cyclonedx']).default('csaf'))
    .addOption(
      new Option(
        '--tlp <label>',
        `the document’s TLP 2.0 label: ${TLP_NAMES.join(', ')} (TLP 1.0's ${Object.keys(TLP_ALIASES)[0]} is taken as CLEAR)`,
      )
        .argParser(tlpArg)
        .default('AMBER'),
    )
    .action((opts: { product: string; format: 'csaf' | 'cyclonedx'; tlp: TlpName }) =>
      rt.withDatabase(async ({ prisma }, config) => {
        // The command line is the operator's: it reads every assessment, as the PSIRT does.
        const { productVex } = await import('../../services/thirdparty.ts');
        const doc = await productVex(
          {
            db: prisma,
            viewer: {
              kind: 'user',
              userId: NIL_UUID,
              email: '',
              name: 'psirt CLI',
              roles: ['ADMIN'],
              tokenId: NIL_UUID,
            },
            now: () => new Date(),
            policy: platformPolicy(config),
          },
          opts.product,
          opts.format === 'csaf' ? 'CSAF' : 'CYCLONEDX',
          opts.tlp,
        );
        rt.out(JSON.stringify(doc, null, 2));
      }),
    );
}

function tlpArg(value: string): TlpName {
  const tlp = parseTlp(value);
  if (!tlp) throw new InvalidArgumentError(`one of ${TLP_NAMES.join(', ')}`);
  return tlp;
}

function printUnreadable(rt: CliRuntime, list: readonly { componentId: string; version: string; scheme: string }[]) {
  if (!list.length) return;
  rt.out(`${list.length} component version(s) not comparable in their range's scheme (neither matched nor skipped):`);
  for (const u of list.slice(0, 20))
    rt.out(`  component ${u.componentId}: "${u.version}" is not a ${u.scheme} version`);
  if (list.length > 20) rt.out(`  … and ${list.length - 20} more`);
}

function printSkipped(rt: CliRuntime, skipped: readonly { id: string | null; reason: string }[]) {
  for (const s of skipped.slice(0, 20)) rt.out(`  skipped ${s.id ?? '(no id)'}: ${s.reason}`);
  if (skipped.length > 20) rt.out(`  … and ${skipped.length - 20} more skipped`);
}
