// A section of a settings card that saves on its own (a notifier, an integration): a form named by
// its heading, which saves when submitted instead of loading a page.
import type { ReactNode } from 'react';

export function SectionForm({ title, badge, onSave, children }: { title: string; badge?: ReactNode; onSave: () => void; children: ReactNode }) {
  return (
    <form
      className="subsection form-grid"
      aria-label={title}
      onSubmit={(event) => {
        event.preventDefault();
        onSave();
      }}
    >
      <h3>
        {title} {badge}
      </h3>
      {children}
    </form>
  );
}
