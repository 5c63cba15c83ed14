// Which merchant the portal shows: the logged-in merchant's own; an operator looking at the
// portal picks one with ?merchantId=.
import { useRouter } from '../lib/router';
import { useSession } from '../session';

export function usePortalMerchantId(): string | null {
  const { identity } = useSession();
  const { search } = useRouter();
  return identity?.merchantId ?? search.get('merchantId');
}
