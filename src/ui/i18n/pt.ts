import type { Strings } from './en.js'

/** Portuguese strings. */
export const pt: Strings = {
  appName: 'Tesseras',
  tagline: 'Memórias que sobrevivem aos seus aparelhos',
  skipToContent: 'Pular para o conteúdo',
  nav: { memories: 'Memórias', newMemory: 'Nova memória', storage: 'Armazenamento', main: 'Principal' },
  language: { label: 'Idioma', en: 'English', pt: 'Português' },
  welcome: {
    title: 'Guarde suas memórias por décadas',
    body: 'O Tesseras guarda fotos, notas e gravações criptografadas neste aparelho. Só você pode lê-las. Em breve, cópias serão espalhadas pelos aparelhos de outras pessoas para que nada se perca quando um celular quebrar.',
    create: 'Criar meu cofre',
    restore: 'Já tenho uma frase de recuperação'
  },
  phrase: {
    title: 'Sua frase de recuperação',
    explain: 'Estas 24 palavras são a única chave das suas memórias. Escreva-as no papel, em ordem, e guarde em lugar seguro. Quem tiver estas palavras pode ler suas memórias; sem elas, ninguém — nem nós — consegue recuperá-las.',
    listLabel: 'Frase de recuperação, 24 palavras',
    written: 'Já anotei as palavras',
    confirmTitle: 'Confira se você anotou',
    confirmExplain: 'Digite as palavras destas posições.',
    wordN: 'Palavra número {n}',
    confirm: 'Confirmar e abrir meu cofre',
    mismatch: 'Algumas palavras não conferem. Olhe seu papel de novo.',
    back: 'Mostrar as palavras de novo'
  },
  restore: {
    title: 'Restaurar com a frase de recuperação',
    explain: 'Digite ou cole suas 24 palavras, separadas por espaços. Maiúsculas, minúsculas e espaços extras não importam.',
    label: 'Frase de recuperação',
    submit: 'Restaurar meu cofre',
    cancel: 'Voltar',
    note: 'Isto restaura suas chaves neste aparelho. As memórias salvas em outros aparelhos voltarão quando os recursos de rede estiverem disponíveis.',
    errWordCount: 'Uma frase de recuperação tem 24 palavras; você digitou {n}.',
    errUnknownWord: 'A palavra {position} (“{word}”) não está na lista de palavras.{suggestion}',
    didYouMean: ' Você quis dizer “{word}”?',
    errChecksum: 'Todas as palavras são válidas, mas não formam uma frase de recuperação (alguma palavra está errada ou fora de ordem).'
  },
  gallery: {
    title: 'Memórias',
    empty: 'Nenhuma memória ainda.',
    emptyAction: 'Criar sua primeira memória',
    files: '{n} arquivos',
    file: '1 arquivo',
    broken: 'Esta memória não pode ser lida neste aparelho (o registro guardado está danificado). As outras memórias estão bem.',
    noThumb: 'Sem prévia'
  },
  form: {
    title: 'Nova memória',
    files: 'Arquivos',
    drop: 'Solte aqui fotos, notas, áudios ou qualquer arquivo, ou',
    pick: 'escolha arquivos',
    selected: '{n} arquivos selecionados, {size}',
    remove: 'Remover {name}',
    titleLabel: 'Título',
    description: 'Descrição',
    date: 'Data',
    tags: 'Etiquetas (separadas por vírgula)',
    language: 'Idioma da memória',
    visibility: 'Visibilidade',
    private: 'Privada — só você',
    public: 'Pública — qualquer pessoa pode ler',
    sealed: 'Lacrada — uma cápsula do tempo',
    openAfter: 'Abrir depois de',
    save: 'Salvar memória',
    saving: 'Salvando…',
    cancel: 'Cancelar',
    progress: 'Criptografando e salvando',
    cancelled: 'O salvamento foi cancelado. Nada foi guardado.',
    saved: 'Memória salva.',
    needFiles: 'Escolha pelo menos um arquivo.',
    needTitle: 'Dê um título à memória.',
    emptyFile: '“{name}” está vazio (0 bytes) e não pode ser salvo. Remova-o e tente de novo.',
    unreadable: '“{name}” não pode ser lido. Talvez tenha sido movido ou apagado. Remova-o e tente de novo.',
    tooBig: 'Uma memória pode ter no máximo 1 GB. Remova alguns arquivos.',
    storageFull: 'Não há espaço suficiente neste aparelho. Nada foi salvo. Libere espaço ou apague uma memória e tente de novo.',
    failed: 'O salvamento falhou: {message}. Nada foi guardado.'
  },
  view: {
    back: 'Voltar às memórias',
    download: 'Baixar {name}',
    delete: 'Apagar memória',
    confirmDelete: 'Apagar “{title}”? Ela será removida deste aparelho e o espaço liberado. Isto não pode ser desfeito.',
    confirm: 'Apagar',
    cancel: 'Manter',
    deleted: 'Memória apagada.',
    notFound: 'Esta memória não está neste aparelho.',
    error: 'Esta memória não pode ser aberta: pode estar danificada.',
    loadingText: 'Carregando texto…',
    details: 'Detalhes',
    tags: 'Etiquetas',
    visibility: 'Visibilidade',
    size: 'Tamanho',
    fileList: 'Arquivos'
  },
  storage: {
    title: 'Armazenamento',
    used: 'Usado',
    available: 'Disponível',
    usedOf: '{used} usados de {quota}',
    persisted: 'Protegido contra limpeza automática',
    notPersisted: 'Não protegido: o navegador pode apagar estes dados quando faltar espaço ou após muito tempo sem uso. Instale o app ou adicione aos favoritos e peça de novo.',
    unknownPersist: 'Este navegador não informa se os dados estão protegidos.',
    ask: 'Pedir para proteger meus dados',
    onlyHere: 'Por enquanto suas memórias ficam só neste aparelho. Guarde bem sua frase de recuperação: até as cópias na rede estarem disponíveis, perder este aparelho ou apagar seus dados perde as memórias.',
    memories: '{n} memórias',
    showPhrase: 'Mostrar minha frase de recuperação',
    hidePhrase: 'Esconder frase de recuperação'
  },
  node: {
    label: 'Estado do nó',
    LOCAL: 'Só local — as memórias ficam neste aparelho'
  },
  update: {
    available: 'Uma nova versão do Tesseras está pronta.',
    reload: 'Recarregar',
    later: 'Depois'
  },
  offline: 'Você está offline. Suas memórias continuam aqui.',
  loading: 'Carregando…',
  bytes: { B: 'B', kB: 'kB', MB: 'MB', GB: 'GB' }
}
