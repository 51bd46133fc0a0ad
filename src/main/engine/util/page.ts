// Lists come a page at a time (DESIGN.md §4): which rows a page is, and what a service answers.
import { DEFAULT_PAGE_SIZE } from '../../../shared/domain.ts';

export interface PageQuery {
  page?: number;
  page_size?: number;
}

/** One page of a list, and how many items the whole list has. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
}


export function pageWindow(query: PageQuery): { page: number; pageSize: number; limit: number; offset: number } {
  const page = query.page ?? 1;
  const pageSize = query.page_size ?? DEFAULT_PAGE_SIZE;
  return { page, pageSize, limit: pageSize, offset: (page - 1) * pageSize };
}
