import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { preview } from '../../src-main/core/access/preview';
import { diff } from '../../src-main/core/access/diff';
import { syntheticOrganization } from '../../src-main/core/generate/synthetic';
import type { OrgSession } from '../../src-main/session/orgSession';
import { checkAccess } from '../../src-main/session/checkAccess';
import { groupsOf } from '../../src-main/session/staging';
import { buildRenderer, CHROMIUM, launchChromium, openApp, SCREENSHOTS, serveRenderer } from './harness';

const hasChromium = existsSync(CHROMIUM);

/** The 2,000-unit organization of the benchmarks, with fewer users and records so the run stays light. */
const org = () => syntheticOrganization({ users: 6000, teams: 600, roles: 80, entities: 20, records: 60_000, shares: 3000, popularRoleHolders: 1500 });

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { frames: s.length, median: +at(0.5).toFixed(1), p95: +at(0.95).toFixed(1), max: +s[s.length - 1].toFixed(1) };
};

describe.skipIf(!hasChromium)('the hierarchy graph, overlay, staging and Check access in Chromium', () => {
  let browser: Browser;
  let server: { url: string; close: () => Promise<void> };
  let page: Page;
  let session: OrgSession;
  const figures: Record<string, unknown> = {};
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  const nav = (name: string) => page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: new RegExp(`^${name}`) }).click();
  const pickOverlayUser = async (fullname: string) => {
    await page.getByLabel('Colour by').selectOption('user');
    await page.getByLabel('Overlay user', { exact: true }).fill(fullname);
    await page.getByRole('listbox', { name: 'Overlay user options' }).getByRole('button', { name: new RegExp(fullname) }).first().click();
    await expect.poll(() => page.getByLabel('Overlay principal').textContent()).toBe(fullname);
  };
  const drawnNodes = () =>
    page.locator('.unit-node').evaluateAll((els) => els.map((e) => ({ id: (e as HTMLElement).dataset.testid!.slice(5), depth: (e as HTMLElement).dataset.depth, records: (e as HTMLElement).dataset.records })));

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await buildRenderer();
    server = await serveRenderer();
    browser = await launchChromium();
    ({ page, session } = await openApp(browser, server.url, org(), { staging: true }));
    await page.getByRole('navigation', { name: 'Screens' }).waitFor();
  }, 240_000);

  afterAll(async () => {
    console.log(`[hierarchy e2e figures] ${JSON.stringify(figures)}`);
    await browser?.close();
    await server?.close();
  });

  it('draws the 2,000-unit graph opened on its top levels, and measures first render and panning', async () => {
    const t = Date.now();
    await nav('Hierarchy');
    await page.locator('.unit-node').first().waitFor();
    figures.graph_first_render_ms = Date.now() - t;
    figures.graph_first_render_in_page_ms = await page.evaluate(() => Math.round(window.__roleatlasGraph?.firstRenderMs ?? -1));
    figures.graph_nodes_drawn = await page.evaluate(() => window.__roleatlasGraph?.nodes);
    expect(await page.getByText(/of 2,000 units drawn/).count()).toBe(1);

    const pan = async () => {
      const box = (await page.getByRole('figure', { name: 'Business unit graph' }).boundingBox())!;
      await page.evaluate(() => {
        const w = window as unknown as { __frames: number[]; __stop: boolean };
        w.__frames = [];
        w.__stop = false;
        let last = performance.now();
        const tick = (now: number) => {
          w.__frames.push(now - last);
          last = now;
          if (!w.__stop) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
      await page.mouse.move(box.x + 12, box.y + 12);
      await page.mouse.down();
      for (let i = 1; i <= 40; i++) await page.mouse.move(box.x + 12 + i * 12, box.y + 12 + i * 6);
      await page.mouse.up();
      return page.evaluate(() => {
        const w = window as unknown as { __frames: number[]; __stop: boolean };
        w.__stop = true;
        return w.__frames.slice(1);
      });
    };
    figures.pan_frame_ms_collapsed = stats(await pan());

    const t2 = Date.now();
    await page.getByRole('button', { name: 'Expand all' }).click();
    await expect.poll(() => page.evaluate(() => window.__roleatlasGraph?.nodes), { timeout: 60_000 }).toBe(2000);
    figures.graph_expand_all_2000_ms = Date.now() - t2;
    figures.graph_layout_2000_ms = await page.evaluate(() => Math.round(window.__roleatlasGraph?.lastLayoutMs ?? -1));
    await page.getByRole('button', { name: 'Fit', exact: true }).click();
    await page.waitForTimeout(400);
    figures.pan_frame_ms_all_2000 = stats(await pan());
    await shot('hierarchy-2000-expanded');
    await page.getByRole('button', { name: 'Collapse', exact: true }).click();
    await expect.poll(() => page.evaluate(() => window.__roleatlasGraph?.nodes)).toBeLessThan(2000);
  }, 180_000);

  it('colours every drawn unit as preview() computes it, for a few users', async () => {
    const users = ['u-000123', 'u-002345', 'u-004567'].map((id) => session.current.systemusers.get(id)!);
    for (const u of users) {
      await pickOverlayUser(u.fullname);
      const p = preview(session.current, u.systemuserid, 'account', 'Read');
      if (!p.ok) throw new Error(p.error.message);
      await expect.poll(() => page.getByLabel('Records reached').textContent()).toContain(`${p.value.records.toLocaleString('en-US')} records in total`);
      const nodes = await drawnNodes();
      expect(nodes.length).toBeGreaterThan(3);
      for (const n of nodes) {
        const want = p.value.businessunits[n.id];
        expect({ id: n.id, depth: n.depth, records: Number(n.records) }).toEqual({ id: n.id, depth: want.depth ?? 'None', records: want.records });
      }
    }
    await page.getByRole('button', { name: 'Fit', exact: true }).click();
  }, 120_000);

  it('jumps to a unit deep in the tree, opening its ancestors', async () => {
    const deep = [...session.current.businessunits.values()].find((b) => b.name === 'Unit 00007')!;
    await page.getByLabel('Find a business unit').fill(deep.name);
    await page.getByRole('search').getByRole('button', { name: 'Go' }).click();
    await page.getByTestId(`unit-${deep.businessunitid}`).waitFor();
    await page.getByRole('complementary', { name: `Unit ${deep.name}` }).getByRole('list', { name: 'Paths to this unit' }).waitFor();
  });

  it('stages what Check access suggests, previews its diff on the panel and the graph, discards it, and applies it', async () => {
    // A user, an owning unit and a right the user lacks that one of the user's roles would grant.
    const target = [...session.current.businessunits.values()].at(-1)!;
    let pick: { user: string; fullname: string; right: string } | null = null;
    for (const id of ['u-000123', 'u-000124', 'u-000125', 'u-000126', 'u-000127', 'u-000300', 'u-000301']) {
      const r = checkAccess(session.current, { systemuserid: id, entity: 'account', owningbusinessunitid: target.businessunitid });
      if (!r.ok) continue;
      const denied = r.value.rights.find((x) => !x.allowed && x.remedies.some((m) => m.kind === 'role'));
      if (denied) {
        pick = { user: id, fullname: r.value.fullname, right: denied.right };
        break;
      }
    }
    expect(pick).not.toBeNull();
    const committed = session.current;

    const openAndStage = async () => {
      await page.getByRole('banner').getByRole('button', { name: 'Check access' }).click();
      const d = page.getByRole('dialog', { name: 'Check access' });
      await d.getByLabel('User to check').fill(pick!.fullname);
      await d.getByRole('listbox').getByRole('button', { name: new RegExp(pick!.fullname) }).first().click();
      await d.getByLabel('Table').selectOption('account');
      await d.getByLabel('a new record in a unit').check();
      await d.getByLabel('Owning business unit').selectOption(target.businessunitid);
      await d.getByRole('button', { name: 'Check', exact: true }).click();
      const row = d.locator(`tr[data-right="${pick!.right}"]`);
      await row.waitFor();
      expect(await row.getAttribute('data-allowed')).toBe('false');
      await shot('check-access');
      await row.getByRole('button', { name: 'Stage' }).first().click();
      await d.getByRole('status').waitFor();
      await d.getByRole('button', { name: 'Cancel' }).click();
    };

    await openAndStage();
    expect(session.staged()).toHaveLength(1);
    expect(session.current).toBe(committed);

    await nav('Preview');
    await page.getByRole('list', { name: 'Pending changes' }).getByRole('listitem').first().waitFor();
    const expected = diff(session.current, session.staged());
    if (!expected.ok) throw new Error(expected.error.message);
    const first = groupsOf(expected.changes)[0];
    const groupRow = page.getByRole('table', { name: 'Changes per table and right' }).getByRole('row').nth(1);
    await expect.poll(() => groupRow.locator('td').nth(2).textContent()).toBe(String(first.gain));
    expect(await groupRow.locator('td').nth(3).textContent()).toBe(String(first.lose));
    await shot('preview-panel');

    await nav('Hierarchy');
    await pickOverlayUser(pick!.fullname);
    await page.getByLabel('Overlay right').selectOption(pick!.right);
    await page.getByLabel('Find a business unit').fill(target.name);
    await page.getByRole('search').getByRole('button', { name: 'Go' }).click();
    await expect.poll(() => page.locator('.unit-node[data-change]').count()).toBeGreaterThan(0);
    await shot('hierarchy-overlay-diff');

    await nav('Preview');
    await page.getByRole('button', { name: 'Discard change 1' }).click();
    await page.getByText('Nothing is staged.', { exact: false }).waitFor();
    expect(session.staged()).toHaveLength(0);
    expect(session.current).toBe(committed);

    await openAndStage();
    await nav('Preview');
    await page.getByRole('button', { name: 'Apply all' }).click();
    await page.getByText('Nothing is staged.', { exact: false }).waitFor();
    expect(session.staged()).toHaveLength(0);
    expect(session.current).not.toBe(committed);
    expect(session.history().canUndo).toBe(true);
  }, 180_000);
});
