<?php
/**
 * @package PostFlow
 */

use PHPUnit\Framework\TestCase;

final class SignerTest extends TestCase {

	// The test vector of the Standard Webhooks reference libraries (and what the standardwebhooks npm package signs).
	public function test_signs_the_standard_webhooks_reference_vector() {
		$this->assertSame(
			'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
			Postflow_Signer::signature( 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}' )
		);
	}

	public function test_a_changed_body_id_or_timestamp_changes_the_signature() {
		$secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
		$base   = Postflow_Signer::signature( $secret, 'msg_1', 1700000000, '{}' );
		$this->assertNotSame( $base, Postflow_Signer::signature( $secret, 'msg_1', 1700000000, '{ }' ) );
		$this->assertNotSame( $base, Postflow_Signer::signature( $secret, 'msg_2', 1700000000, '{}' ) );
		$this->assertNotSame( $base, Postflow_Signer::signature( $secret, 'msg_1', 1700000001, '{}' ) );
	}

	public function test_headers_carry_id_timestamp_signature_and_site_key() {
		$headers = Postflow_Signer::headers( 'pfs_key', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'wp-abc', 1614265330, 'body' );
		$this->assertSame( array( 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-postflow-site' ), array_keys( $headers ) );
		$this->assertSame( '1614265330', $headers['webhook-timestamp'] );
		$this->assertSame( 'pfs_key', $headers['x-postflow-site'] );
		$this->assertSame( Postflow_Signer::signature( 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'wp-abc', 1614265330, 'body' ), $headers['webhook-signature'] );
	}

	public function test_idempotency_keys_are_stable_per_site_item_type_and_discriminator() {
		$key = Postflow_Signer::event_id( 'https://blog.example', '12', 'item.published', 'published' );
		$this->assertSame( 'wp-' . sha1( 'https://blog.example|12|item.published|published' ), $key );
		$this->assertMatchesRegularExpression( '/^wp-[0-9a-f]{40}$/', $key );
		$this->assertSame( $key, Postflow_Signer::event_id( 'https://blog.example', '12', 'item.published', 'published' ) );
		$others = array(
			Postflow_Signer::event_id( 'https://other.example', '12', 'item.published', 'published' ),
			Postflow_Signer::event_id( 'https://blog.example', '13', 'item.published', 'published' ),
			Postflow_Signer::event_id( 'https://blog.example', '12', 'item.share', '1' ),
			Postflow_Signer::event_id( 'https://blog.example', '12', 'item.share', '2' ),
		);
		$this->assertCount( 5, array_unique( array_merge( array( $key ), $others ) ) );
	}

	public function test_message_ids_for_get_requests_are_fresh() {
		$id = Postflow_Signer::message_id();
		$this->assertMatchesRegularExpression( '/^msg_[0-9a-f]{24}$/', $id );
		$this->assertNotSame( $id, Postflow_Signer::message_id() );
	}

	public function test_secret_shape() {
		$this->assertTrue( Postflow_Signer::is_valid_secret( 'whsec_' . base64_encode( random_bytes( 32 ) ) ) );
		$this->assertFalse( Postflow_Signer::is_valid_secret( base64_encode( random_bytes( 32 ) ) ) );
		$this->assertFalse( Postflow_Signer::is_valid_secret( 'whsec_c2hvcnQ=' ) );
		$this->assertFalse( Postflow_Signer::is_valid_secret( 'whsec_not base64!' ) );
	}
}
