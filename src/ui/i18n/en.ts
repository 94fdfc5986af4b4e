/** English strings. Keys are shared with pt.ts (type-checked). */
export const en = {
  appName: 'Tesseras',
  tagline: 'Memories that outlive your devices',
  skipToContent: 'Skip to content',
  nav: { memories: 'Memories', newMemory: 'New memory', storage: 'Storage', main: 'Main' },
  language: { label: 'Language', en: 'English', pt: 'Português' },
  welcome: {
    title: 'Keep your memories for decades',
    body: 'Tesseras keeps photos, notes and recordings encrypted on this device. Only you can read them. Later, copies will be spread across other people’s devices so nothing is lost when a phone breaks.',
    create: 'Start my vault',
    restore: 'I already have a recovery phrase'
  },
  phrase: {
    title: 'Your recovery phrase',
    explain: 'These 24 words are the only key to your memories. Write them on paper, in order, and keep it somewhere safe. Anyone with these words can read your memories; without them, nobody — not even us — can bring them back.',
    listLabel: 'Recovery phrase, 24 words',
    written: 'I have written them down',
    confirmTitle: 'Check that you wrote them down',
    confirmExplain: 'Type the words at these positions.',
    wordN: 'Word number {n}',
    confirm: 'Confirm and open my vault',
    mismatch: 'Some words do not match. Look at your paper again.',
    back: 'Show the words again'
  },
  restore: {
    title: 'Restore from recovery phrase',
    explain: 'Type or paste your 24 words, separated by spaces. Upper or lower case and extra spaces are fine.',
    label: 'Recovery phrase',
    submit: 'Restore my vault',
    cancel: 'Back',
    note: 'This restores your keys on this device. Memories saved on other devices will come back once the network features are available.',
    errWordCount: 'A recovery phrase has 24 words; you typed {n}.',
    errUnknownWord: 'Word {position} (“{word}”) is not in the word list.{suggestion}',
    didYouMean: ' Did you mean “{word}”?',
    errChecksum: 'These words are all valid but are not a recovery phrase (a word is wrong or out of order).'
  },
  gallery: {
    title: 'Memories',
    empty: 'No memories yet.',
    emptyAction: 'Create your first memory',
    files: '{n} files',
    file: '1 file',
    broken: 'This memory cannot be read on this device (its stored record is damaged). Other memories are fine.',
    noThumb: 'No preview'
  },
  form: {
    title: 'New memory',
    files: 'Files',
    drop: 'Drop photos, notes, audio or anything here, or',
    pick: 'choose files',
    selected: '{n} files selected, {size}',
    remove: 'Remove {name}',
    titleLabel: 'Title',
    description: 'Description',
    date: 'Date',
    tags: 'Tags (comma separated)',
    language: 'Language of the memory',
    visibility: 'Visibility',
    private: 'Private — only you',
    public: 'Public — anyone can read it',
    sealed: 'Sealed — a time capsule',
    openAfter: 'Open after',
    save: 'Save memory',
    saving: 'Saving…',
    cancel: 'Cancel',
    progress: 'Encrypting and saving',
    cancelled: 'Saving was cancelled. Nothing was kept.',
    saved: 'Memory saved.',
    needFiles: 'Choose at least one file.',
    needTitle: 'Give the memory a title.',
    emptyFile: '“{name}” is empty (0 bytes) and cannot be saved. Remove it and try again.',
    unreadable: '“{name}” cannot be read. It may have been moved or deleted. Remove it and try again.',
    tooBig: 'A memory can hold at most 1 GB. Remove some files.',
    storageFull: 'There is not enough storage space on this device. Nothing was saved. Free some space or delete a memory and try again.',
    failed: 'Saving failed: {message}. Nothing was saved.'
  },
  view: {
    back: 'Back to memories',
    download: 'Download {name}',
    delete: 'Delete memory',
    confirmDelete: 'Delete “{title}”? It will be removed from this device and its space released. This cannot be undone.',
    confirm: 'Delete',
    cancel: 'Keep it',
    deleted: 'Memory deleted.',
    notFound: 'This memory is not on this device.',
    error: 'This memory cannot be opened: it may be damaged.',
    loadingText: 'Loading text…',
    details: 'Details',
    tags: 'Tags',
    visibility: 'Visibility',
    size: 'Size',
    fileList: 'Files'
  },
  storage: {
    title: 'Storage',
    used: 'Used',
    available: 'Available',
    usedOf: '{used} used of {quota}',
    persisted: 'Protected from automatic clean-up',
    notPersisted: 'Not protected: the browser may delete this data when space is short or after a long time without use. Install the app or bookmark it, then ask again.',
    unknownPersist: 'This browser cannot tell whether the data is protected.',
    ask: 'Ask to protect my data',
    onlyHere: 'For now your memories live only on this device. Keep your recovery phrase safe: until network copies are available, losing this device or clearing its data loses the memories.',
    memories: '{n} memories',
    showPhrase: 'Show my recovery phrase',
    hidePhrase: 'Hide recovery phrase'
  },
  node: {
    label: 'Node state',
    LOCAL: 'Local only — memories are kept on this device'
  },
  update: {
    available: 'A new version of Tesseras is ready.',
    reload: 'Reload',
    later: 'Later'
  },
  offline: 'You are offline. Your memories are still here.',
  loading: 'Loading…',
  bytes: { B: 'B', kB: 'kB', MB: 'MB', GB: 'GB' }
}

export type Strings = typeof en
