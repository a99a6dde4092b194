// The CSV import (route /import): pick a file, see it checked row by row with line numbers (nothing is sent while
// any row is wrong), then send it in chunks with a progress bar, and read what was created. Rows without a time are
// handed to the smart scheduler (bulkCreatePosts' autoSchedule).
import { useRef, useState } from 'react';
import { Alert, AlertTitle, Box, Button, Card, CardContent, CircularProgress, Typography } from '@mui/material';
import UploadFileIcon from '@mui/icons-material/UploadFile';
import { Title, useGetList, useNotify, useTranslate } from 'react-admin';
import { useQueryClient } from '@tanstack/react-query';
import type { ChannelRecord } from '../../dataProvider/channels';
import { ColumnsHelp } from './ColumnsHelp';
import { ImportProgress } from './ImportProgress';
import { ImportSummary } from './ImportSummary';
import { PreviewTable } from './PreviewTable';
import { ProblemsTable } from './ProblemsTable';
import { CHUNK_SIZE, ChunkRefused, sendImport, type ChunkProgress, type ImportSummary as Summary } from './sendImport';
import { BROWSER_ZONE, TimeZoneField } from './TimeZoneField';
import { useImportCheck, type CheckedFile, type PickedFile, type TextsChecked } from './useImportCheck';

type Sending =
  { phase: 'ready' } | { phase: 'sending'; progress: ChunkProgress } | { phase: 'done'; summary: Summary; progress: ChunkProgress } | { phase: 'refused'; refusal: ChunkRefused };

export function ImportPage() {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [zone, setZone] = useState(BROWSER_ZONE);
  const [picked, setPicked] = useState<PickedFile | null>(null);
  const [sending, setSending] = useState<Sending>({ phase: 'ready' });
  const channels = useGetList<ChannelRecord>('channels', { pagination: { page: 1, perPage: 1000 } });
  const [texts, setTexts] = useState<TextsChecked | null>(null);
  const check = useImportCheck(picked, zone, channels.data, setTexts);
  const number = new Intl.NumberFormat();
  const busy = sending.phase === 'sending';

  const pick = (file: File | undefined) => {
    if (!file) return;
    setSending({ phase: 'ready' });
    setPicked((previous) => ({ pick: (previous?.pick ?? 0) + 1, file }));
  };

  const send = async (checked: CheckedFile) => {
    setSending({ phase: 'sending', progress: { sent: 0, total: checked.posts.length, chunk: 0, chunks: Math.ceil(checked.posts.length / CHUNK_SIZE) } });
    try {
      let last: ChunkProgress = { sent: 0, total: checked.posts.length, chunk: 0, chunks: 0 };
      const summary = await sendImport(checked.posts, checked.hash, (progress) => {
        last = progress;
        setSending({ phase: 'sending', progress });
      });
      // The bar stays, full, above the summary.
      setSending({ phase: 'done', summary, progress: last });
    } catch (error) {
      if (!(error instanceof ChunkRefused)) throw error;
      setSending({ phase: 'refused', refusal: error });
      notify('postflow.import.chunkFailed', {
        type: 'error',
        messageArgs: { chunk: error.chunk, first: number.format(error.firstLine), last: number.format(error.lastLine), message: error.message },
      });
    } finally {
      // Lists and the dashboard show the new posts.
      void queryClient.invalidateQueries({ queryKey: ['posts'] });
      void queryClient.invalidateQueries({ queryKey: ['deliveries'] });
    }
  };

  const checked = check.data;
  return (
    <Box sx={{ py: 2, maxWidth: 1100 }}>
      <Title title={translate('postflow.import.title')} />
      <Typography component="h1" variant="h5" sx={{ mb: 1 }}>
        {translate('postflow.import.title')}
      </Typography>
      <Typography sx={{ mb: 2 }}>{translate('postflow.import.intro')}</Typography>
      <Card sx={{ mb: 2 }}>
        <CardContent>
          <ColumnsHelp />
        </CardContent>
      </Card>
      <Card sx={{ mb: 2 }}>
        <CardContent sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'flex-start' }}>
          <TimeZoneField value={zone} onChange={setZone} disabled={busy} />
          <Button variant="contained" startIcon={<UploadFileIcon />} onClick={() => input.current?.click()} disabled={busy || !channels.data} sx={{ mt: 1 }}>
            {translate('postflow.import.chooseFile')}
          </Button>
          <input
            ref={input}
            type="file"
            accept=".csv,text/csv"
            hidden
            aria-label={translate('postflow.import.fileInput')}
            data-testid="import-file"
            onChange={(event) => {
              pick(event.target.files?.[0]);
              // The same file may be picked again (to import it once more).
              event.target.value = '';
            }}
          />
        </CardContent>
      </Card>
      {channels.error && <Alert severity="error">{translate('postflow.import.checkFailed', { message: channels.error.message })}</Alert>}
      {picked && check.isFetching && (
        <Box role="status" sx={{ display: 'flex', gap: 1, alignItems: 'center', my: 2 }}>
          <CircularProgress size={20} aria-hidden />
          <Typography>
            {translate('postflow.import.reading', { name: picked.file.name })}
            {texts?.total ? ` ${translate('postflow.import.textsChecked', { checked: number.format(texts.checked), total: number.format(texts.total) })}` : ''}
          </Typography>
        </Box>
      )}
      {check.error && <Alert severity="error">{translate('postflow.import.checkFailed', { message: check.error.message })}</Alert>}
      {checked && !check.isFetching && (
        <CheckedFileView checked={checked} zone={zone} sending={sending} onSend={() => void send(checked)} onAnother={() => input.current?.click()} />
      )}
    </Box>
  );
}

function CheckedFileView({ checked, zone, sending, onSend, onAnother }: { checked: CheckedFile; zone: string; sending: Sending; onSend: () => void; onAnother: () => void }) {
  const translate = useTranslate();
  const number = new Intl.NumberFormat();
  const problemsTitle = translate('postflow.import.problemsTitle', { smart_count: checked.problems.length, count: number.format(checked.problems.length) });
  return (
    <Card component="section" aria-labelledby="import-file-heading">
      <CardContent>
        <Typography component="h2" variant="h6" id="import-file-heading">
          {translate('postflow.import.read', { rows: number.format(checked.rowCount), name: checked.name })}
        </Typography>
        {checked.problems.length ? (
          <Alert severity="error" sx={{ my: 2 }} data-testid="import-problems-alert">
            <AlertTitle>{problemsTitle}</AlertTitle>
          </Alert>
        ) : !checked.rowCount ? (
          <Alert severity="warning" sx={{ my: 2 }}>
            {translate('postflow.import.noRows')}
          </Alert>
        ) : (
          <Alert severity="success" sx={{ my: 2 }}>
            {translate('postflow.import.allGood')}
          </Alert>
        )}
        {checked.problems.length > 0 && <ProblemsTable problems={checked.problems} caption={problemsTitle} />}
        {checked.preview.length > 0 && (
          <>
            <Typography component="h3" variant="subtitle1" sx={{ mt: 2 }}>
              {translate('postflow.import.previewTitle')}
            </Typography>
            <PreviewTable preview={checked.preview} zone={zone} />
          </>
        )}
        {sending.phase === 'ready' && checked.posts.length > 0 && (
          <Button variant="contained" sx={{ mt: 2 }} onClick={onSend}>
            {translate('postflow.import.send', { smart_count: checked.posts.length, count: number.format(checked.posts.length) })}
          </Button>
        )}
        {(sending.phase === 'sending' || sending.phase === 'done') && <ImportProgress progress={sending.progress} />}
        {sending.phase === 'refused' && <Refusal refusal={sending.refusal} />}
        {sending.phase === 'done' && <ImportSummary summary={sending.summary} onAnother={onAnother} />}
      </CardContent>
    </Card>
  );
}

function Refusal({ refusal }: { refusal: ChunkRefused }) {
  const translate = useTranslate();
  const number = new Intl.NumberFormat();
  const title = translate('postflow.import.chunkFailed', {
    chunk: number.format(refusal.chunk),
    first: number.format(refusal.firstLine),
    last: number.format(refusal.lastLine),
    message: refusal.message,
  });
  return (
    <Box sx={{ my: 2 }}>
      <Alert severity="error" sx={{ mb: 1 }}>
        <AlertTitle>{title}</AlertTitle>
        {refusal.chunk > 1 && translate('postflow.import.chunkFailedBefore', { first: number.format(refusal.firstLine) })}
      </Alert>
      <ProblemsTable problems={refusal.problems} caption={title} />
    </Box>
  );
}
