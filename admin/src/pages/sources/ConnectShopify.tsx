// A Shopify shop connected: connectShopifyStart answers PostFlow's install link for the shop, which the browser goes
// to (Shopify's approval page, then back); the shop then becomes a source.
import { useState, type FormEvent } from 'react';
import { Box, Button, Checkbox, FormControlLabel, TextField } from '@mui/material';
import { useTranslate } from 'react-admin';
import { useFormFailure } from '../workspace/formErrors';
import { PageSection } from '../workspace/PageSection';
import { connectShopifyStart } from './data';

export function ConnectShopify() {
  const translate = useTranslate();
  const [shop, setShop] = useState('');
  const [backInStock, setBackInStock] = useState(false);
  const [busy, setBusy] = useState(false);
  const errors = useFormFailure(['shop']);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    errors.clear();
    try {
      const { url } = await connectShopifyStart(shop.trim(), backInStock);
      window.location.assign(url);
    } catch (failure) {
      errors.fail(failure);
      setBusy(false);
    }
  };
  return (
    <PageSection title={translate('postflow.sources.shopify')} id="sources-shopify">
      <Box component="form" onSubmit={(event) => void submit(event)} aria-labelledby="sources-shopify" sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'flex-start' }}>
        <TextField
          size="small"
          required
          label={translate('postflow.sources.shop')}
          placeholder="your-store.myshopify.com"
          value={shop}
          onChange={(event) => setShop(event.target.value)}
          error={!!errors.field('shop')}
          helperText={errors.field('shop')}
          sx={{ flex: '1 1 240px' }}
        />
        <FormControlLabel
          control={<Checkbox checked={backInStock} onChange={(event) => setBackInStock(event.target.checked)} />}
          label={translate('postflow.sources.backInStock')}
        />
        <Button type="submit" variant="contained" disabled={busy}>
          {translate('postflow.sources.connectShopify')}
        </Button>
      </Box>
    </PageSection>
  );
}
