// The answer envelope's list form (DESIGN.md §4): a page of items and where it stands in the list.
import type { Page } from '../util/page.ts';

export function pageAnswer<T>(page: Page<T>) {
  return {
    data: page.items,
    meta: { total: page.total, page: page.page, page_size: page.page_size, total_pages: Math.ceil(page.total / page.page_size) },
  };
}
