// optimizers.js: the optimizers chapter's widget (mounted by lesson.js below the chapter's text).
export async function mount(root) {
  return { destroy() { root.textContent = ''; } };
}
